"""Why an assignment is what it is: each pair's reasons, each shortfall's cause, and what changed
between two runs.

A shortfall is never silent. After a maximum flow, a proposal left short has every reviewer who
may review it (no conflict, no decline) either already on it or at their cap: otherwise the flow
could have been augmented through that reviewer. So its cause is one of two facts, checked on the
problem: too few reviewers without a conflict, or those there are being full.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .problem import PairCost, Problem

if TYPE_CHECKING:
    from .solver import AssignedReviewer, Result, ReviewerLoad


class ShortfallCause(enum.StrEnum):
    CONFLICTS = "conflicts"  # fewer reviewers without a conflict (or decline) than wanted
    CAPS = "caps"  # enough such reviewers, but the others are all at their cap

    @property
    def sentence(self) -> str:
        return {
            "conflicts": "too few reviewers without a conflict.",
            "caps": "every other reviewer without a conflict is at their cap.",
        }[self.value]


@dataclass(frozen=True)
class Shortfall:
    proposal_id: int
    wanted: int
    assigned: int
    cause: ShortfallCause
    reason: str  # one sentence, with the counts
    unconflicted: int  # reviewers without a conflict or decline on this proposal
    at_cap: tuple[int, ...]  # those of them not on it, all at their cap

    @property
    def lacking(self) -> int:
        return self.wanted - self.assigned


@dataclass(frozen=True)
class DroppedPair:
    reviewer_id: int
    proposal_id: int
    reason: str


def _reviewers(count: int) -> str:
    return "1 reviewer" if count == 1 else f"{count} reviewers"


def shortfalls(
    problem: Problem,
    *,
    assigned_to: Mapping[int, Sequence[AssignedReviewer]],
    loads: Sequence[ReviewerLoad],
    open_ids: set[int],
) -> tuple[Shortfall, ...]:
    """Each open proposal with fewer reviewers than it wants, how many it lacks, and why."""
    full = {load.reviewer_id for load in loads if load.at_cap}
    declines = bool(problem.declined)
    without = "without a conflict or a decline" if declines else "without a conflict"
    found = []
    for proposal in problem.proposals:
        on_it = {r.reviewer_id for r in assigned_to.get(proposal.id, ())}
        if proposal.id not in open_ids or len(on_it) >= proposal.reviewers_wanted:
            continue
        unconflicted = [
            r.id for r in problem.reviewers if not problem.excluded((r.id, proposal.id))
        ]
        others_full = tuple(r for r in unconflicted if r not in on_it and r in full)
        lacking = proposal.reviewers_wanted - len(on_it)
        if len(unconflicted) < proposal.reviewers_wanted:
            cause = ShortfallCause.CONFLICTS
            if not unconflicted:
                reason = f"no reviewer is {without}."
            else:
                only = (
                    "only 1 reviewer is"
                    if len(unconflicted) == 1
                    else (f"only {len(unconflicted)} reviewers are")
                )
                reason = f"it wants {proposal.reviewers_wanted} and {only} {without}"
                if others_full:
                    verb = "is" if len(others_full) == 1 else "are"
                    reason += f", and the other {len(others_full)} {verb} at their cap"
                reason += "."
        else:
            cause = ShortfallCause.CAPS
            reason = (
                f"every reviewer {without} who is not on it is at their cap "
                f"({_reviewers(len(others_full))})."
            )
        found.append(
            Shortfall(
                proposal_id=proposal.id,
                wanted=proposal.reviewers_wanted,
                assigned=len(on_it),
                cause=cause,
                reason=f"Lacks {_reviewers(lacking)}: {reason}",
                unconflicted=len(unconflicted),
                at_cap=others_full,
            )
        )
    return tuple(found)


def dropped_pairs(problem: Problem) -> tuple[DroppedPair, ...]:
    """Existing assignments the run would keep but may not: a conflict or a decline since."""
    keep = problem.existing if problem.fill_gaps_only else problem.pinned
    dropped = []
    for reviewer, proposal in sorted(keep):
        if (reviewer, proposal) in problem.conflicts:
            reason = "The reviewer has a conflict of interest with the proposal."
        elif (reviewer, proposal) in problem.declined:
            reason = "The reviewer declined the proposal."
        else:
            continue
        dropped.append(DroppedPair(reviewer_id=reviewer, proposal_id=proposal, reason=reason))
    return tuple(dropped)


def describe_pair(cost: PairCost) -> str:
    """Why a reviewer is on a proposal, in words: their bid and what expertise they share."""
    parts = [f"bid: {cost.bid.label}"]
    if cost.shared_keywords:
        parts.append("keywords: " + ", ".join(cost.shared_keywords))
    if cost.shared_fields:
        parts.append("fields: " + ", ".join(cost.shared_fields))
    if not cost.shared_keywords and not cost.shared_fields:
        parts.append("no shared expertise")
    return "; ".join(parts)


@dataclass(frozen=True)
class RunDiff:
    added: tuple[tuple[int, int], ...]  # (reviewer, proposal) in the current run only
    removed: tuple[tuple[int, int], ...]  # in the previous run only
    unchanged: int
    objective_change: int | None  # current minus previous; None if either run proposed nothing

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed)


def diff(previous: Result, current: Result) -> RunDiff:
    """What the current run changes against the previous one."""
    before, after = previous.pairs, current.pairs
    change = None
    if previous.objective is not None and current.objective is not None:
        change = current.objective - previous.objective
    return RunDiff(
        added=tuple(sorted(after - before)),
        removed=tuple(sorted(before - after)),
        unchanged=len(before & after),
        objective_change=change,
    )
