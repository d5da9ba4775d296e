"""Optimal automatic reviewer assignment, as a min-cost flow (OR-Tools).

Why a flow: an assignment of reviewers to proposals with per-proposal demands and per-reviewer
caps is a transportation problem, whose linear programme has integral optima; a min-cost flow
solves it exactly and fast (HotCRP's autoassigner does the same), where a greedy pass (one
proposal at a time) can spend a scarce expert early and leave a later proposal short.

The network: source -> each proposal (capacity: the reviewers it still lacks) -> each reviewer it
may have (capacity 1, cost: bid, keywords, fields) -> sink. Load balancing is convex: a reviewer
reaches the sink through one arc per unit of spare load, the k-th costing `load_step * (k - 1)`
with k counted from the load they already carry, so every extra review costs more than the last
and a min-cost flow fills a reviewer's cheap arcs first. Conflicts and declines are hard
exclusions: their arcs do not exist.

When not every proposal can have its reviewers, the flow is the maximum one at minimum cost, and
each proposal left short is reported with how many it lacks and why (`explain.py`); in strict mode
the run is reported infeasible and proposes nothing to apply.

Determinism: `Problem` sorts its inputs, nodes and arcs are added in that order, and OR-Tools'
solver is deterministic on a given network, so the same inputs, in any order, give the same
assignment.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from ortools.graph.python import min_cost_flow

from .explain import DroppedPair, Shortfall, ShortfallCause, dropped_pairs, shortfalls
from .problem import Bid, PairCost, Problem

SOURCE, SINK = 0, 1


class Status(enum.StrEnum):
    COMPLETE = "complete"  # every proposal has the reviewers it wants
    SHORT = "short"  # the most assignments possible, at least one proposal short
    INFEASIBLE = "infeasible"  # strict mode and some proposal would be short: nothing proposed


class SolverError(RuntimeError):
    """OR-Tools could not solve the network (never expected: its arcs are all finite)."""


@dataclass(frozen=True)
class AssignedReviewer:
    reviewer_id: int
    cost: PairCost  # why this reviewer: bid, shared keywords and fields
    kept: bool = False  # an existing assignment this run keeps
    pinned: bool = False


@dataclass(frozen=True)
class ReviewerLoad:
    reviewer_id: int
    assigned: int  # in this problem, kept and new
    current_load: int  # elsewhere in the cut-off
    load_cap: int

    @property
    def total(self) -> int:
        return self.assigned + self.current_load

    @property
    def at_cap(self) -> bool:
        return self.total >= self.load_cap


@dataclass(frozen=True)
class Result:
    status: Status
    # proposal id -> its reviewers, by reviewer id; empty when infeasible (nothing to apply)
    assignments: Mapping[int, tuple[AssignedReviewer, ...]]
    loads: tuple[ReviewerLoad, ...]
    objective: int | None  # the whole assignment's cost (kept pairs included); None if infeasible
    shortfalls: tuple[Shortfall, ...]
    dropped: tuple[DroppedPair, ...]  # existing assignments this run cannot keep
    causes: tuple[str, ...]  # why the run is short or infeasible, in sentences

    @property
    def pairs(self) -> frozenset[tuple[int, int]]:
        """(reviewer id, proposal id) of every assignment."""
        return frozenset(
            (reviewer.reviewer_id, proposal)
            for proposal, reviewers in self.assignments.items()
            for reviewer in reviewers
        )

    @property
    def new_pairs(self) -> frozenset[tuple[int, int]]:
        """The assignments this run adds (what applying it creates)."""
        return frozenset(
            (reviewer.reviewer_id, proposal)
            for proposal, reviewers in self.assignments.items()
            for reviewer in reviewers
            if not reviewer.kept
        )

    def reviewers_of(self, proposal_id: int) -> tuple[int, ...]:
        return tuple(r.reviewer_id for r in self.assignments.get(proposal_id, ()))

    def as_json(self) -> dict[str, Any]:
        """The result as JSON-ready data (for a saved run; `from_json` reads it back)."""
        return {
            "status": self.status.value,
            "objective": self.objective,
            "assignments": [
                {
                    "proposal": proposal,
                    "reviewers": [
                        {
                            "reviewer": r.reviewer_id,
                            "kept": r.kept,
                            "pinned": r.pinned,
                            "bid": r.cost.bid.value,
                            "shared_keywords": list(r.cost.shared_keywords),
                            "shared_fields": list(r.cost.shared_fields),
                            "bid_cost": r.cost.bid_cost,
                            "keyword_cost": r.cost.keyword_cost,
                            "field_cost": r.cost.field_cost,
                        }
                        for r in reviewers
                    ],
                }
                for proposal, reviewers in self.assignments.items()
            ],
            "loads": [
                {
                    "reviewer": load.reviewer_id,
                    "assigned": load.assigned,
                    "current_load": load.current_load,
                    "load_cap": load.load_cap,
                }
                for load in self.loads
            ],
            "shortfalls": [
                {
                    "proposal": s.proposal_id,
                    "wanted": s.wanted,
                    "assigned": s.assigned,
                    "cause": s.cause.value,
                    "reason": s.reason,
                    "unconflicted": s.unconflicted,
                    "at_cap": list(s.at_cap),
                }
                for s in self.shortfalls
            ],
            "dropped": [
                {"reviewer": d.reviewer_id, "proposal": d.proposal_id, "reason": d.reason}
                for d in self.dropped
            ],
            "causes": list(self.causes),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Result:
        """A saved run's result, to compare with a new one (`explain.diff`)."""
        return cls(
            status=Status(data["status"]),
            objective=data["objective"],
            assignments={
                int(row["proposal"]): tuple(
                    AssignedReviewer(
                        reviewer_id=int(r["reviewer"]),
                        kept=bool(r["kept"]),
                        pinned=bool(r["pinned"]),
                        cost=PairCost(
                            bid=Bid(r["bid"]),
                            shared_keywords=tuple(r["shared_keywords"]),
                            shared_fields=tuple(r["shared_fields"]),
                            bid_cost=int(r["bid_cost"]),
                            keyword_cost=int(r["keyword_cost"]),
                            field_cost=int(r["field_cost"]),
                        ),
                    )
                    for r in row["reviewers"]
                )
                for row in data["assignments"]
            },
            loads=tuple(
                ReviewerLoad(
                    reviewer_id=int(row["reviewer"]),
                    assigned=int(row["assigned"]),
                    current_load=int(row["current_load"]),
                    load_cap=int(row["load_cap"]),
                )
                for row in data["loads"]
            ),
            shortfalls=tuple(
                Shortfall(
                    proposal_id=int(row["proposal"]),
                    wanted=int(row["wanted"]),
                    assigned=int(row["assigned"]),
                    cause=ShortfallCause(row["cause"]),
                    reason=row["reason"],
                    unconflicted=int(row["unconflicted"]),
                    at_cap=tuple(int(r) for r in row["at_cap"]),
                )
                for row in data["shortfalls"]
            ),
            dropped=tuple(
                DroppedPair(
                    reviewer_id=int(row["reviewer"]),
                    proposal_id=int(row["proposal"]),
                    reason=row["reason"],
                )
                for row in data["dropped"]
            ),
            causes=tuple(data["causes"]),
        )


def solve(problem: Problem, *, strict: bool = False) -> Result:
    """The optimal assignment of `problem`: as many assignments as caps and conflicts allow, at
    the least cost. With `strict`, a problem where some proposal would be short is reported
    infeasible, with its causes, and proposes nothing."""
    return _solve(problem, strict=strict, open_proposals=None)


@dataclass(frozen=True)
class Replacement:
    proposal_id: int
    declined_reviewer_id: int
    suggested: tuple[AssignedReviewer, ...]  # the best replacement first; empty if none
    result: Result  # the whole assignment with the replacement made
    reason: str  # why there is none (empty when there is one)

    @property
    def reviewer(self) -> AssignedReviewer | None:
        return self.suggested[0] if self.suggested else None


def replacement_for(
    problem: Problem, result: Result, proposal_id: int, declined_reviewer_id: int
) -> Replacement:
    """The best replacement for a reviewer who declined (or turned out conflicted): the same
    optimisation solved again with that pair excluded and every other assignment pinned, only
    this proposal open."""
    pair = (declined_reviewer_id, proposal_id)
    if pair not in result.pairs:
        raise ValueError(
            f"Reviewer {declined_reviewer_id} is not assigned to proposal {proposal_id}."
        )
    others = result.pairs - {pair}
    again = replace(
        problem,
        existing=others,
        pinned=others,
        fill_gaps_only=True,
        declined=problem.declined | {pair},
    )
    after = _solve(again, strict=False, open_proposals={proposal_id})
    before = set(result.reviewers_of(proposal_id))
    suggested = tuple(
        r for r in after.assignments.get(proposal_id, ()) if r.reviewer_id not in before
    )
    suggested = tuple(sorted(suggested, key=lambda r: (r.cost.total, r.reviewer_id)))
    reason = ""
    if not suggested:
        short = next((s for s in after.shortfalls if s.proposal_id == proposal_id), None)
        reason = short.reason if short else "The proposal already has the reviewers it wants."
    return Replacement(
        proposal_id=proposal_id,
        declined_reviewer_id=declined_reviewer_id,
        suggested=suggested,
        result=after,
        reason=reason,
    )


# --- the flow ------------------------------------------------------------------------------------


def _solve(problem: Problem, *, strict: bool, open_proposals: Iterable[int] | None) -> Result:
    kept = problem.kept()
    open_ids = {p.id for p in problem.proposals} if open_proposals is None else set(open_proposals)
    kept_of_proposal: dict[int, int] = {}
    kept_of_reviewer: dict[int, int] = {}
    for reviewer, proposal in kept:
        kept_of_proposal[proposal] = kept_of_proposal.get(proposal, 0) + 1
        kept_of_reviewer[reviewer] = kept_of_reviewer.get(reviewer, 0) + 1

    proposal_node = {p.id: 2 + i for i, p in enumerate(problem.proposals)}
    reviewer_node = {r.id: 2 + len(proposal_node) + i for i, r in enumerate(problem.reviewers)}
    tails: list[int] = []
    heads: list[int] = []
    capacities: list[int] = []
    costs: list[int] = []
    pair_arcs: list[tuple[int, int]] = []  # (reviewer, proposal) in arc order

    def arc(tail: int, head: int, capacity: int, cost: int) -> None:
        tails.append(tail)
        heads.append(head)
        capacities.append(capacity)
        costs.append(cost)

    need: dict[int, int] = {}
    for proposal in problem.proposals:
        lacking = max(0, proposal.reviewers_wanted - kept_of_proposal.get(proposal.id, 0))
        need[proposal.id] = lacking if proposal.id in open_ids else 0
        if need[proposal.id]:
            arc(SOURCE, proposal_node[proposal.id], need[proposal.id], 0)
    room: dict[int, int] = {}
    for reviewer in problem.reviewers:
        carried = reviewer.current_load + kept_of_reviewer.get(reviewer.id, 0)
        room[reviewer.id] = max(0, reviewer.load_cap - carried)
    for proposal in problem.proposals:
        if not need[proposal.id]:
            continue
        for reviewer in problem.reviewers:
            pair = (reviewer.id, proposal.id)
            if not room[reviewer.id] or problem.excluded(pair) or pair in kept:
                continue
            pair_arcs.append((reviewer.id, proposal.id))
            cost = problem.pair_total(reviewer, proposal)
            arc(proposal_node[proposal.id], reviewer_node[reviewer.id], 1, cost)
    first_pair_arc = len(tails) - len(pair_arcs)
    for reviewer in problem.reviewers:
        carried = reviewer.current_load + kept_of_reviewer.get(reviewer.id, 0)
        for k in range(carried + 1, carried + room[reviewer.id] + 1):
            arc(reviewer_node[reviewer.id], SINK, 1, problem.weights.marginal_load(k))

    chosen: set[tuple[int, int]] = set()
    total_need = sum(need.values())
    if total_need and pair_arcs:
        flow = min_cost_flow.SimpleMinCostFlow()
        arcs = flow.add_arcs_with_capacity_and_unit_cost(
            np.array(tails, dtype=np.int32),
            np.array(heads, dtype=np.int32),
            np.array(capacities, dtype=np.int64),
            np.array(costs, dtype=np.int64),
        )
        flow.set_node_supply(SOURCE, total_need)
        flow.set_node_supply(SINK, -total_need)
        status = flow.solve_max_flow_with_min_cost()
        if status != flow.OPTIMAL:
            raise SolverError(f"The min-cost flow solver answered {status}.")
        flows = flow.flows(arcs[first_pair_arc : first_pair_arc + len(pair_arcs)])
        chosen = {pair for pair, used in zip(pair_arcs, flows, strict=True) if used}

    reviewers = {r.id: r for r in problem.reviewers}
    proposals = {p.id: p for p in problem.proposals}
    assigned: dict[int, list[AssignedReviewer]] = {p.id: [] for p in problem.proposals}
    for reviewer_id, proposal_id in sorted(kept | chosen):
        assigned[proposal_id].append(
            AssignedReviewer(
                reviewer_id=reviewer_id,
                cost=problem.pair_cost(reviewers[reviewer_id], proposals[proposal_id]),
                kept=(reviewer_id, proposal_id) in kept,
                pinned=(reviewer_id, proposal_id) in problem.pinned,
            )
        )
    load_here: dict[int, int] = {}
    for reviewer_id, _ in kept | chosen:
        load_here[reviewer_id] = load_here.get(reviewer_id, 0) + 1
    loads = tuple(
        ReviewerLoad(
            reviewer_id=r.id,
            assigned=load_here.get(r.id, 0),
            current_load=r.current_load,
            load_cap=r.load_cap,
        )
        for r in problem.reviewers
    )
    short = shortfalls(problem, assigned_to=assigned, loads=loads, open_ids=open_ids)
    causes = _causes(problem, short, need, room)
    status = Status.SHORT if short else Status.COMPLETE
    if strict and short:
        return Result(
            status=Status.INFEASIBLE,
            assignments={},
            loads=tuple(replace(load, assigned=0) for load in loads),
            objective=None,
            shortfalls=short,
            dropped=dropped_pairs(problem),
            causes=causes,
        )
    return Result(
        status=status,
        assignments={p: tuple(rs) for p, rs in assigned.items()},
        loads=loads,
        objective=problem.assignment_cost(kept | chosen),
        shortfalls=short,
        dropped=dropped_pairs(problem),
        causes=causes,
    )


def _causes(
    problem: Problem,
    short: tuple[Shortfall, ...],
    need: Mapping[int, int],
    room: Mapping[int, int],
) -> tuple[str, ...]:
    """The run's causes in a few sentences: the overall room against the need, then each kind
    of shortfall once with how many proposals it leaves short."""
    if not short:
        return ()
    causes = []
    total_need, total_room = sum(need.values()), sum(room.values())
    if total_room < total_need:
        causes.append(
            f"The reviewers have room for {total_room} more reviews within their caps; "
            f"the proposals need {total_need}."
        )
    by_cause: dict[str, int] = {}
    for shortfall in short:
        by_cause[shortfall.cause.sentence] = by_cause.get(shortfall.cause.sentence, 0) + 1
    for sentence, count in sorted(by_cause.items()):
        proposals = "1 proposal" if count == 1 else f"{count} proposals"
        causes.append(f"{proposals}: {sentence}")
    return tuple(causes)
