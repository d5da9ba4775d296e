"""Benchmark figure of the evaluation (see portal.benchmarking): the automatic assignment of 500
proposals to 150 reviewers (at scale 1) with load caps, bids and 3 % conflicts, solved optimally
by the min-cost flow of reviews.assignment. It is pure computation, no database: the figure times
building the network and solving it, and the dataset line gives the problem and its optimum.
"""

from __future__ import annotations

import random
import time

from portal.benchmarking import BenchContext, bench_dataset, bench_figure
from reviews.assignment import Bid, Problem, ProposalNeed, ReviewerOffer, solve

PROPOSALS, REVIEWERS, CONFLICT_RATE, SEED = 500, 150, 0.03, 20261130
_FIELDS = ("physics", "chemistry", "biology", "climate", "engineering", "computer science")
_KEYWORDS = tuple(f"topic {n}" for n in range(60))


def random_problem(
    *, proposals: int, reviewers: int, conflict_rate: float = CONFLICT_RATE, seed: int = SEED
) -> Problem:
    """A seeded random cut-off: 3 reviewers wanted per proposal, caps of 8 to 14 reviews (enough
    room overall, not for everyone everywhere), some load already carried, a bid on one pair in
    five, and `conflict_rate` of all pairs conflicted."""
    rng = random.Random(seed)
    needs = tuple(
        ProposalNeed(
            id=p,
            reviewers_wanted=3,
            keywords=frozenset(rng.sample(_KEYWORDS, 4)),
            fields=frozenset(rng.sample(_FIELDS, 1)),
        )
        for p in range(1, proposals + 1)
    )
    offers = tuple(
        ReviewerOffer(
            id=r,
            load_cap=rng.randint(8, 14),
            current_load=rng.choice((0, 0, 0, 1, 2)),
            keywords=frozenset(rng.sample(_KEYWORDS, 8)),
            fields=frozenset(rng.sample(_FIELDS, 2)),
        )
        for r in range(1, reviewers + 1)
    )
    bids, conflicts = {}, set()
    choices = (Bid.EAGER, Bid.WILLING, Bid.WILLING, Bid.RATHER_NOT)
    for offer in offers:
        for need in needs:
            pair = (offer.id, need.id)
            if rng.random() < conflict_rate:
                conflicts.add(pair)
            elif rng.random() < 0.2:
                bids[pair] = rng.choice(choices)
    return Problem(proposals=needs, reviewers=offers, bids=bids, conflicts=frozenset(conflicts))


def _sizes(ctx: BenchContext) -> tuple[int, int]:
    return ctx.count(PROPOSALS), ctx.count(REVIEWERS)


@bench_dataset
def assignment_problem(ctx: BenchContext) -> str:
    """The problem (kept for the figure) and its optimum, solved once."""
    proposals, reviewers = _sizes(ctx)
    problem = random_problem(proposals=proposals, reviewers=reviewers)
    ctx.data["reviews.assignment_problem"] = problem
    started = time.perf_counter()
    result = solve(problem)
    seconds = time.perf_counter() - started
    return (
        f"reviewer assignment: {proposals:,} proposals, {reviewers:,} reviewers, "
        f"{len(problem.conflicts):,} conflicts, {len(problem.bids):,} bids; optimum "
        f"{result.objective:,} with {len(result.pairs):,} assignments, "
        f"{len(result.shortfalls)} proposals short, solved in {seconds:.2f} s"
    )


@bench_figure("automatic assignment: 500 proposals to 150 reviewers, caps, 3 % conflicts")
def automatic_assignment(ctx: BenchContext):
    problem = ctx.data.get("reviews.assignment_problem")
    if problem is None:
        proposals, reviewers = _sizes(ctx)
        problem = random_problem(proposals=proposals, reviewers=reviewers)
    return lambda: solve(problem)
