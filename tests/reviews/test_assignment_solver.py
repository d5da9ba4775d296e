"""The automatic reviewer assignment (reviews.assignment): optimal against a brute force on small
problems, never a conflict, never above a cap, deterministic, every shortfall explained, existing
assignments kept when asked, replacements from the same optimisation, and load spread."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from io import StringIO

import pytest
from django.core.management import call_command
from hypothesis import given, settings
from hypothesis import strategies as st

from reviews.assignment import (
    Bid,
    CostWeights,
    Problem,
    ProposalNeed,
    Result,
    ReviewerOffer,
    ShortfallCause,
    Status,
    describe_pair,
    diff,
    replacement_for,
    solve,
)
from reviews.benchmarks.assignment import random_problem


def reviewers(*ids, cap=5, **kwargs):
    return tuple(ReviewerOffer(id=i, load_cap=cap, **kwargs) for i in ids)


def proposals(*ids, wanted=3, **kwargs):
    return tuple(ProposalNeed(id=i, reviewers_wanted=wanted, **kwargs) for i in ids)


# --- brute force ---------------------------------------------------------------------------------


def brute_force(problem: Problem) -> tuple[int, int]:
    """(most assignments, least cost among them) by trying every assignment: each open proposal
    takes any subset of the allowed reviewers up to what it lacks, within every cap. Costs are
    those of `Problem.assignment_cost`, the objective's definition (tested on its own below)."""
    kept = problem.kept()
    carried = {
        r.id: r.current_load + sum(1 for k, _ in kept if k == r.id) for r in problem.reviewers
    }
    room = {r.id: max(0, r.load_cap - carried[r.id]) for r in problem.reviewers}
    options = []
    for proposal in problem.proposals:
        lacking = max(0, proposal.reviewers_wanted - sum(1 for _, p in kept if p == proposal.id))
        allowed = [
            r.id
            for r in problem.reviewers
            if not problem.excluded((r.id, proposal.id)) and (r.id, proposal.id) not in kept
        ]
        subsets = [()]
        for reviewer in allowed:
            subsets += [s + (reviewer,) for s in subsets if len(s) < lacking]
        options.append([[(r, proposal.id) for r in s] for s in subsets])
    best = (-1, 0)

    def walk(i: int, chosen: list, used: dict) -> None:
        nonlocal best
        if i == len(options):
            count = len(chosen)
            if count > best[0] or (count == best[0] and cost(chosen) < best[1]):
                best = (count, cost(chosen))
            return
        for pairs in options[i]:
            if all(used.get(r, 0) + 1 <= room[r] for r, _ in pairs):
                for r, _ in pairs:
                    used[r] = used.get(r, 0) + 1
                walk(i + 1, chosen + pairs, used)
                for r, _ in pairs:
                    used[r] -= 1

    def cost(chosen) -> int:
        return problem.assignment_cost(kept | set(chosen))

    walk(0, [], {})
    return best


VOCABULARY = ("ml", "climate", "proteins", "fluids", "graphs")


@st.composite
def small_problems(draw, max_proposals=4, max_reviewers=4):
    n_proposals = draw(st.integers(1, max_proposals))
    n_reviewers = draw(st.integers(1, max_reviewers))
    terms = st.frozensets(st.sampled_from(VOCABULARY), max_size=3)
    needs = tuple(
        ProposalNeed(
            id=10 + p,
            reviewers_wanted=draw(st.sampled_from((1, 1, 2, 2, 3, 0))),
            keywords=draw(terms),
            fields=draw(st.frozensets(st.sampled_from(("a", "b")), max_size=1)),
        )
        for p in range(n_proposals)
    )
    offers = tuple(
        ReviewerOffer(
            id=100 + r,
            load_cap=draw(st.sampled_from((4, 3, 2, 1, 0))),
            current_load=draw(st.sampled_from((0, 0, 0, 1, 2))),
            keywords=draw(terms),
            fields=draw(st.frozensets(st.sampled_from(("a", "b")), max_size=2)),
        )
        for r in range(n_reviewers)
    )
    pairs = [(r.id, p.id) for r in offers for p in needs]
    bids = {pair: draw(st.sampled_from(list(Bid))) for pair in pairs if draw(st.booleans())}
    conflicts = frozenset(pair for pair in pairs if draw(st.integers(0, 4)) == 0)
    existing = frozenset(pair for pair in pairs if draw(st.integers(0, 5)) == 0)
    pinned = frozenset(pair for pair in existing if draw(st.booleans()))
    weights = CostWeights(
        eager=draw(st.integers(0, 5)),
        willing=draw(st.integers(0, 20)),
        no_bid=draw(st.integers(0, 30)),
        rather_not=draw(st.integers(0, 90)),
        keywords=draw(st.integers(0, 40)),
        fields=draw(st.integers(0, 20)),
        load_step=draw(st.integers(0, 30)),
    )
    return Problem(
        proposals=needs,
        reviewers=offers,
        bids=bids,
        conflicts=conflicts,
        existing=existing,
        pinned=pinned,
        fill_gaps_only=draw(st.booleans()),
        weights=weights,
    )


@settings(max_examples=120, deadline=None)
@given(small_problems())
def test_the_assignment_is_optimal_and_never_conflicted_nor_above_a_cap(problem):
    result = solve(problem)
    kept = problem.kept()

    assert not result.pairs & problem.conflicts
    assert not result.pairs & problem.declined
    assert kept <= result.pairs
    for load in result.loads:
        offer = next(r for r in problem.reviewers if r.id == load.reviewer_id)
        new = sum(1 for r, _ in result.new_pairs if r == offer.id)
        carried = offer.current_load + sum(1 for r, _ in kept if r == offer.id)
        # New reviews only within the cap; kept ones are never taken away for it.
        assert new == 0 or carried + new <= offer.load_cap
        assert load.total == offer.current_load + sum(1 for r, _ in result.pairs if r == offer.id)
    for proposal in problem.proposals:
        on_it = result.reviewers_of(proposal.id)
        new = [r for r in on_it if (r, proposal.id) not in kept]
        assert not new or len(on_it) <= proposal.reviewers_wanted

    # The network's arc costs are the explained costs.
    for offer in problem.reviewers:
        for need in problem.proposals:
            assert problem.pair_total(offer, need) == problem.pair_cost(offer, need).total

    most, least = brute_force(problem)
    assert len(result.new_pairs) == most
    assert result.objective == least == problem.assignment_cost(result.pairs)
    assert (result.status is Status.COMPLETE) == (not result.shortfalls)
    short = {s.proposal_id: s for s in result.shortfalls}
    full = {load.reviewer_id for load in result.loads if load.at_cap}
    for proposal in problem.proposals:
        has = len(result.reviewers_of(proposal.id))
        if has < proposal.reviewers_wanted:
            shortfall = short[proposal.id]
            assert shortfall.lacking == proposal.reviewers_wanted - has
            # The explanation holds: every allowed reviewer not on it is at their cap, and the
            # cause is conflicts exactly when too few reviewers are allowed at all.
            allowed = {r.id for r in problem.reviewers if not problem.excluded((r.id, proposal.id))}
            assert allowed - set(result.reviewers_of(proposal.id)) <= full
            assert (shortfall.cause is ShortfallCause.CONFLICTS) == (
                len(allowed) < proposal.reviewers_wanted
            )
        else:
            assert proposal.id not in short

    strict = solve(problem, strict=True)
    if result.shortfalls:
        assert strict.status is Status.INFEASIBLE and not strict.pairs
        assert strict.shortfalls == result.shortfalls and strict.causes == result.causes
    else:
        assert strict.as_json() == result.as_json()


@settings(max_examples=40, deadline=None)
@given(small_problems(), st.randoms(use_true_random=False))
def test_the_same_inputs_in_any_order_give_the_same_assignment(problem, rng):
    def shuffled(items):
        items = list(items)
        rng.shuffle(items)
        return items

    again = Problem(
        proposals=tuple(shuffled(problem.proposals)),
        reviewers=tuple(shuffled(problem.reviewers)),
        bids=dict(shuffled(problem.bids.items())),
        conflicts=frozenset(shuffled(problem.conflicts)),
        existing=frozenset(shuffled(problem.existing)),
        pinned=problem.pinned,
        fill_gaps_only=problem.fill_gaps_only,
        weights=problem.weights,
    )
    first, second = solve(problem), solve(again)
    assert first.as_json() == second.as_json()


def test_a_larger_problem_with_many_ties_is_solved_the_same_way_whatever_the_order():
    problem = random_problem(proposals=60, reviewers=20, seed=7)
    expected = solve(problem).as_json()
    rng = random.Random(3)
    for _ in range(3):
        items = list(problem.proposals), list(problem.reviewers), list(problem.bids.items())
        for each in items:
            rng.shuffle(each)
        again = replace(
            problem, proposals=tuple(items[0]), reviewers=tuple(items[1]), bids=dict(items[2])
        )
        assert solve(again).as_json() == expected


# --- the cost model ------------------------------------------------------------------------------


def test_the_objective_adds_pair_costs_and_a_convex_load_from_the_load_carried():
    weights = CostWeights(eager=1, willing=2, no_bid=3, rather_not=9, keywords=40, fields=7)
    problem = Problem(
        proposals=(
            ProposalNeed(id=1, keywords={"ML", "climate"}, fields={"physics"}),
            ProposalNeed(id=2, keywords={"graphs"}),
        ),
        reviewers=(
            ReviewerOffer(id=5, load_cap=9, current_load=2, keywords={" ml "}, fields={"Physics"}),
        ),
        bids={(5, 1): Bid.EAGER, (5, 2): "rather_not"},
        weights=replace(weights, load_step=15),
    )
    first = problem.pair_cost(problem.reviewers[0], problem.proposals[0])
    assert (first.bid_cost, first.keyword_cost, first.field_cost) == (1, 20, 0)
    assert first.shared_keywords == ("ml",) and first.shared_fields == ("physics",)
    assert describe_pair(first) == "bid: eager; keywords: ml; fields: physics"
    second = problem.pair_cost(problem.reviewers[0], problem.proposals[1])
    assert (second.bid_cost, second.keyword_cost, second.field_cost) == (9, 40, 7)
    assert describe_pair(second) == "bid: rather not; no shared expertise"
    # The reviewer's 3rd and 4th reviews of the cut-off: 15 * 2 + 15 * 3.
    assert problem.assignment_cost({(5, 1), (5, 2)}) == 21 + 56 + 30 + 45


def test_two_equally_good_reviewers_share_the_work():
    problem = Problem(proposals=proposals(1, 2, 3, 4, wanted=1), reviewers=reviewers(7, 8))
    result = solve(problem)
    assert [load.assigned for load in result.loads] == [2, 2]
    # Without the convex load term, one reviewer taking all four would be as good.
    all_on_one = {(7, 1), (7, 2), (7, 3), (7, 4)}
    flat = replace(problem, weights=CostWeights(load_step=0))
    assert flat.assignment_cost(all_on_one) == solve(flat).objective
    assert result.objective < problem.assignment_cost(all_on_one)


def test_load_carried_elsewhere_counts_towards_the_balance():
    problem = Problem(
        proposals=proposals(1, 2, wanted=1),
        reviewers=(ReviewerOffer(id=7, load_cap=9, current_load=3), *reviewers(8, cap=9)),
    )
    assert solve(problem).pairs == {(8, 1), (8, 2)}


def test_bids_and_expertise_are_preferred_and_rather_not_is_avoided():
    problem = Problem(
        proposals=(ProposalNeed(id=1, reviewers_wanted=2, keywords={"proteins"}),),
        reviewers=(
            ReviewerOffer(id=1, load_cap=3),
            ReviewerOffer(id=2, load_cap=3, keywords={"proteins"}),
            ReviewerOffer(id=3, load_cap=3),
            ReviewerOffer(id=4, load_cap=3, keywords={"proteins"}),
        ),
        bids={(1, 1): Bid.EAGER, (4, 1): Bid.RATHER_NOT},
    )
    # 2: expertise, no bid (25 + 0); 1: eager, no expertise (0 + 40); 4: rather not (80 + 0).
    assert solve(problem).reviewers_of(1) == (1, 2)


# --- feasibility ---------------------------------------------------------------------------------


def test_every_proposal_gets_its_reviewers_when_that_is_feasible():
    problem = Problem(
        proposals=proposals(*range(1, 11)),
        reviewers=reviewers(*range(1, 7), cap=5),
        conflicts={(1, 1), (2, 1), (3, 2)},
    )
    result = solve(problem, strict=True)
    assert result.status is Status.COMPLETE and not result.shortfalls and not result.causes
    assert all(len(result.reviewers_of(p)) == 3 for p in range(1, 11))
    assert all(load.total <= load.load_cap for load in result.loads)
    assert sorted(load.assigned for load in result.loads) == [5, 5, 5, 5, 5, 5]


def test_too_few_reviewers_without_a_conflict_is_reported_with_the_count():
    problem = Problem(
        proposals=proposals(1, 2),
        reviewers=reviewers(1, 2, 3, 4),
        conflicts={(1, 1), (2, 1)},
    )
    result = solve(problem)
    assert result.status is Status.SHORT
    assert result.reviewers_of(1) == (3, 4) and len(result.reviewers_of(2)) == 3
    (short,) = result.shortfalls
    assert (short.proposal_id, short.lacking, short.cause) == (1, 1, ShortfallCause.CONFLICTS)
    assert short.reason == (
        "Lacks 1 reviewer: it wants 3 and only 2 reviewers are without a conflict."
    )
    assert result.causes == ("1 proposal: too few reviewers without a conflict.",)


def test_reviewers_at_their_cap_are_reported_as_the_cause():
    problem = Problem(
        proposals=proposals(1, 2, 3),
        reviewers=(
            *reviewers(1, 2, cap=3),
            ReviewerOffer(id=3, load_cap=3, current_load=2),
        ),
    )
    result = solve(problem)
    assert len(result.pairs) == 7  # 3 + 3 + 1 of room
    shorts = sorted(result.shortfalls, key=lambda s: s.lacking)
    assert [s.lacking for s in shorts] == [1, 1]
    assert all(s.cause is ShortfallCause.CAPS for s in shorts)
    assert all(s.reason.endswith("is at their cap (1 reviewer).") for s in shorts)
    assert result.causes == (
        "The reviewers have room for 7 more reviews within their caps; the proposals need 9.",
        "2 proposals: every other reviewer without a conflict is at their cap.",
    )


def test_strict_mode_reports_the_infeasible_case_with_its_cause_and_proposes_nothing():
    problem = Problem(
        proposals=proposals(1, 2),
        reviewers=reviewers(1, 2, 3),
        conflicts={(3, 2)},
        existing={(1, 1)},
        fill_gaps_only=True,
    )
    result = solve(problem, strict=True)
    assert result.status is Status.INFEASIBLE
    assert result.assignments == {} and not result.pairs and not result.new_pairs
    assert result.objective is None
    assert [s.proposal_id for s in result.shortfalls] == [2]
    assert result.causes == ("1 proposal: too few reviewers without a conflict.",)
    assert all(load.assigned == 0 for load in result.loads)
    assert json.loads(json.dumps(result.as_json()))["status"] == "infeasible"
    # The same problem, not strict, assigns all it can.
    assert solve(problem).status is Status.SHORT and len(solve(problem).pairs) == 5


def test_too_few_reviewers_without_a_conflict_and_those_at_their_cap_are_both_told():
    problem = Problem(
        proposals=proposals(1, 2, wanted=3),
        reviewers=(*reviewers(1, cap=2), *reviewers(2, 3, cap=1)),
        conflicts={(3, 1)},
        existing={(2, 2), (3, 2)},
        pinned={(2, 2), (3, 2)},
    )
    result = solve(problem)
    short = {s.proposal_id: s for s in result.shortfalls}
    assert short[1].reason == (
        "Lacks 2 reviewers: it wants 3 and only 2 reviewers are without a conflict, "
        "and the other 1 is at their cap."
    )
    assert short[1].at_cap == (2,)


def test_a_proposal_with_no_reviewer_left_says_so():
    problem = Problem(proposals=proposals(1), reviewers=reviewers(1), conflicts={(1, 1)})
    (short,) = solve(problem).shortfalls
    assert short.reason == "Lacks 3 reviewers: no reviewer is without a conflict."


# --- existing assignments ------------------------------------------------------------------------


def test_fill_gaps_only_keeps_the_existing_assignments_and_adds_what_is_missing():
    problem = Problem(
        proposals=proposals(1, 2, wanted=2),
        reviewers=reviewers(1, 2, 3, cap=2),
        bids={(3, 1): Bid.EAGER, (3, 2): Bid.EAGER},
        existing={(1, 1), (2, 1)},
        fill_gaps_only=True,
    )
    result = solve(problem)
    assert result.reviewers_of(1) == (1, 2)
    assert all(r.kept for r in result.assignments[1])
    assert (3, 2) in result.new_pairs and len(result.reviewers_of(2)) == 2
    assert result.new_pairs == result.pairs - {(1, 1), (2, 1)}


def test_without_fill_gaps_only_the_pinned_assignments_are_kept():
    problem = Problem(
        proposals=proposals(1, wanted=1),
        reviewers=reviewers(1, 2, 3),
        bids={(3, 1): Bid.EAGER},
        existing={(1, 1), (2, 1)},
        pinned={(2, 1)},
    )
    result = solve(problem)
    assert result.pairs == {(2, 1)}  # the pinned one; no room left for the eager bidder
    assert result.assignments[1][0].pinned
    unpinned = solve(replace(problem, pinned=frozenset()))
    assert unpinned.pairs == {(3, 1)}


def test_an_existing_assignment_found_conflicted_is_dropped_with_its_reason():
    problem = Problem(
        proposals=proposals(1, wanted=1),
        reviewers=reviewers(1, 2),
        existing={(1, 1)},
        pinned={(1, 1)},
        conflicts={(1, 1)},
        fill_gaps_only=True,
    )
    result = solve(problem)
    assert result.pairs == {(2, 1)}
    (dropped,) = result.dropped
    assert (dropped.reviewer_id, dropped.proposal_id) == (1, 1)
    assert "conflict of interest" in dropped.reason


# --- replacement and comparison ------------------------------------------------------------------


def test_a_decline_gets_the_best_replacement_and_changes_nothing_else():
    problem = Problem(
        proposals=proposals(1, 2, wanted=1),
        reviewers=(*reviewers(1, 2, 4, cap=1), *reviewers(3, cap=1, keywords={"ml"})),
        bids={(1, 1): "eager", (2, 1): "willing", (3, 2): "eager", (3, 1): "eager"},
        conflicts={(4, 2)},
    )
    result = solve(problem)
    assert result.pairs == {(1, 1), (3, 2)}
    replacement = replacement_for(problem, result, 1, 1)
    # 3 is eager but full with proposal 2, which stays as it is; 2 is willing, 4 did not bid.
    assert replacement.reviewer.reviewer_id == 2
    assert replacement.reviewer.cost.bid is Bid.WILLING
    assert replacement.reason == ""
    assert replacement.result.pairs == {(2, 1), (3, 2)}
    assert all(r.kept for r in replacement.result.assignments[2])
    changes = diff(result, replacement.result)
    assert changes.added == ((2, 1),) and changes.removed == ((1, 1),)
    assert changes.unchanged == 1 and changes.changed
    assert changes.objective_change == replacement.result.objective - result.objective == 10

    with pytest.raises(ValueError, match="not assigned"):
        replacement_for(problem, result, 2, 2)


def test_no_replacement_is_suggested_when_nobody_is_left_and_the_reason_says_why():
    problem = Problem(
        proposals=proposals(1, wanted=2), reviewers=reviewers(1, 2, 3), conflicts={(3, 1)}
    )
    result = solve(problem)
    replacement = replacement_for(problem, result, 1, 1)
    assert replacement.reviewer is None and replacement.suggested == ()
    assert replacement.reason == (
        "Lacks 1 reviewer: it wants 2 and only 1 reviewer is without a conflict or a decline."
    )
    assert replacement.result.pairs == {(2, 1)}


def test_two_runs_of_the_same_problem_compare_as_unchanged():
    problem = random_problem(proposals=20, reviewers=8, seed=1)
    changes = diff(solve(problem), solve(problem))
    assert not changes.changed and changes.objective_change == 0
    assert changes.unchanged == len(solve(problem).pairs)


# --- inputs --------------------------------------------------------------------------------------


def test_the_inputs_survive_a_round_trip_through_json():
    problem = random_problem(proposals=12, reviewers=6, conflict_rate=0.2, seed=5)
    problem = replace(
        problem,
        existing=frozenset({(1, 1), (2, 3), (3, 3)}),
        pinned=frozenset({(1, 1)}),
        declined=frozenset({(3, 3)}),
        fill_gaps_only=True,
        weights=CostWeights(load_step=4),
    )
    data = json.loads(json.dumps(problem.as_json()))
    again = Problem.from_json(data)
    assert again == problem
    result = solve(again)
    assert result.as_json() == solve(problem).as_json()
    assert result.shortfalls and result.dropped  # so that every part is read back
    saved = Result.from_json(json.loads(json.dumps(result.as_json())))
    assert saved == result
    assert not diff(saved, solve(problem)).changed


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"proposals": proposals(1, 1)}, "A proposal appears twice"),
        ({"conflicts": {(9, 1)}}, "Conflicts name reviewer 9 and proposal 1"),
        ({"bids": {(1, 9): Bid.EAGER}}, "Bids name reviewer 1 and proposal 9"),
        ({"pinned": {(1, 1)}}, "A pinned assignment must be an existing one"),
    ],
)
def test_inputs_that_do_not_hold_together_are_refused(kwargs, message):
    arguments = {"proposals": proposals(1), "reviewers": reviewers(1), **kwargs}
    with pytest.raises(ValueError, match=message):
        Problem(**arguments)


def test_negative_weights_caps_and_wants_are_refused():
    with pytest.raises(ValueError, match="load_step must be a non-negative integer"):
        CostWeights(load_step=-1)
    with pytest.raises(ValueError, match="cannot be negative"):
        ReviewerOffer(id=1, load_cap=-1)
    with pytest.raises(ValueError, match="cannot be negative"):
        ProposalNeed(id=1, reviewers_wanted=-1)


# --- benchmark -----------------------------------------------------------------------------------


def test_the_benchmark_problem_is_seeded_and_has_its_conflict_rate():
    problem = random_problem(proposals=100, reviewers=30)
    assert problem == random_problem(proposals=100, reviewers=30)
    assert 0.015 < len(problem.conflicts) / (100 * 30) < 0.045
    result = solve(problem)
    assert result.status is Status.COMPLETE and len(result.pairs) == 300


@pytest.mark.django_db
def test_the_assignment_figure_runs_on_a_small_size():
    out = StringIO()
    call_command("bench", scale=0.01, repeat=1, warmup=0, only="automatic assignment", stdout=out)
    printed = out.getvalue()
    assert "reviewer assignment: 5 proposals, 2 reviewers" in printed
    assert "automatic assignment: 500 proposals to 150 reviewers" in printed
    assert "error" not in printed
