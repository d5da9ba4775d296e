"""Reads of reviewer assignment for the officer's page: the cut-off's assignable proposals with
their reviewers, the pool with each reviewer's load against their cap, and the latest run's
preview (per proposal its reviewers and why, loads, proposals left short, the difference from the
previous run), in a fixed number of queries whatever the cut-off's size."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from applications.models import CutOff, Proposal
from portal.models import User
from reviews.assignment.explain import describe_pair, diff
from reviews.assignment.solver import Result
from reviews.models import AssignmentRun, ReviewAssignment
from reviews.models.pool import DEFAULT_MAX_LOAD
from reviews.selectors.assignment_inputs import ASSIGNABLE_STATUSES, pool_reviewers


@dataclass
class PoolReviewer:
    user: User
    cap: int
    load: int = 0  # assignments in the cut-off, declined ones aside


@dataclass
class PreviewRow:
    proposal: Proposal | None
    proposal_id: int
    reviewers: list[tuple[str, str, bool]] = field(default_factory=list)  # name, why, kept
    shortfall: str = ""


@dataclass
class Preview:
    run: AssignmentRun
    result: Result
    rows: list[PreviewRow]
    loads: list[tuple[str, int, int]]  # name, load with this run, cap
    shortfalls: list[tuple[str, str]]  # proposal label, reason
    dropped: list[tuple[str, str, str]]  # reviewer, proposal label, reason
    added: list[tuple[str, str]]  # against the previous run: reviewer, proposal label
    removed: list[tuple[str, str]]
    objective_change: int | None
    has_previous: bool


def _label(proposal: Proposal | None, proposal_id: int) -> str:
    if proposal is None:
        return f"Proposal {proposal_id}"
    return proposal.reference or proposal.title or f"Proposal {proposal_id}"


def _preview(run, previous, proposals: dict[int, Proposal], names: dict[int, str]) -> Preview:
    result = Result.from_json(run.result)

    def name(user_id: int) -> str:
        return names.get(user_id, f"Reviewer {user_id}")

    def label(proposal_id: int) -> str:
        return _label(proposals.get(proposal_id), proposal_id)

    short = {s.proposal_id: s.reason for s in result.shortfalls}
    rows = []
    for proposal_id in sorted({p["id"] for p in run.inputs["proposals"]}, key=label):
        rows.append(
            PreviewRow(
                proposal=proposals.get(proposal_id),
                proposal_id=proposal_id,
                reviewers=[
                    (name(r.reviewer_id), describe_pair(r.cost), r.kept)
                    for r in result.assignments.get(proposal_id, ())
                ],
                shortfall=short.get(proposal_id, ""),
            )
        )
    added, removed, change = [], [], None
    if previous is not None:
        changes = diff(Result.from_json(previous.result), result)
        added = [(name(r), label(p)) for r, p in changes.added]
        removed = [(name(r), label(p)) for r, p in changes.removed]
        change = changes.objective_change
    return Preview(
        run=run,
        result=result,
        rows=rows,
        loads=sorted(
            ((name(load.reviewer_id), load.total, load.load_cap) for load in result.loads),
            key=lambda row: row[0].casefold(),
        ),
        shortfalls=[(label(s.proposal_id), s.reason) for s in result.shortfalls],
        dropped=[(name(d.reviewer_id), label(d.proposal_id), d.reason) for d in result.dropped],
        added=added,
        removed=removed,
        objective_change=change,
        has_previous=previous is not None,
    )


@dataclass
class AssignmentPage:
    proposals: list[Proposal]  # each with `.assignments`, its ReviewAssignment rows
    reviewers: list[PoolReviewer]
    preview: Preview | None


# Each suggestion solves the cut-off again (a fraction of a second at 500 proposals): the page
# suggests for this many gaps at most; "fill gaps only" fills them all at once.
REPLACEMENT_SUGGESTIONS_MAX = 10


def _gaps_to_fill(proposals: list[Proposal], *, wanted: int) -> list[ReviewAssignment]:
    """The declined or conflicted assignments whose proposal is still short of reviewers (one
    per missing reviewer, the latest first), at most REPLACEMENT_SUGGESTIONS_MAX: a gap already
    filled needs no suggestion."""
    gaps = []
    for proposal in proposals:
        active = sum(not a.is_inactive for a in proposal.assignments)
        inactive = sorted(
            (a for a in proposal.assignments if a.is_inactive), key=lambda a: a.pk, reverse=True
        )
        gaps.extend(inactive[: max(0, wanted - active)])
    return gaps[:REPLACEMENT_SUGGESTIONS_MAX]


def cutoff_assignment_page(*, cutoff: CutOff) -> AssignmentPage:
    proposals = list(
        Proposal.objects.filter(cutoff=cutoff, status__in=ASSIGNABLE_STATUSES)
        .select_related("organisation")
        .order_by("reference", "pk")
    )
    by_id = {p.pk: p for p in proposals}
    for proposal in proposals:
        proposal.assignments = []
    memberships = pool_reviewers(cutoff)
    reviewers = {
        m.user_id: PoolReviewer(
            user=m.user,
            cap=m.user.reviewer_profile.max_load
            if hasattr(m.user, "reviewer_profile")
            else DEFAULT_MAX_LOAD,
        )
        for m in memberships
    }
    names = {m.user_id: m.user.display_name for m in memberships}
    rows = ReviewAssignment.objects.filter(proposal__cutoff=cutoff).select_related("reviewer")
    for row in rows.order_by("reviewer__last_name", "reviewer__first_name", "pk"):
        names.setdefault(row.reviewer_id, row.reviewer.display_name)
        if not row.is_inactive and row.reviewer_id in reviewers:
            reviewers[row.reviewer_id].load += 1
        if row.proposal_id in by_id:
            by_id[row.proposal_id].assignments.append(row)
    from reviews.services.assignment import reviewers_per_proposal

    declined = _gaps_to_fill(proposals, wanted=reviewers_per_proposal(cutoff.call))
    for assignment, found in replacement_suggestions(cutoff=cutoff, declined=declined).items():
        row = next(a for a in declined if a.pk == assignment)
        row.replacement = found
        row.replacement_name = (
            names.get(found.reviewer.reviewer_id, "") if found.reviewer is not None else ""
        )
    runs = list(AssignmentRun.objects.filter(cutoff=cutoff).order_by("-created_at", "-pk")[:2])
    preview = None
    if runs:
        preview = _preview(runs[0], runs[1] if len(runs) > 1 else None, by_id, names)
    return AssignmentPage(
        proposals=proposals,
        reviewers=sorted(reviewers.values(), key=lambda r: r.user.display_name.casefold()),
        preview=preview,
    )


def replacement_suggestions(*, cutoff: CutOff, declined: list[ReviewAssignment]) -> dict:
    """For each declined or conflicted assignment (by id), the solver's `Replacement`: the
    reviewer the same optimisation would put in its place, or why there is none. One problem
    for the cut-off."""
    from dataclasses import replace

    from reviews.assignment.solver import replacement_for, solve
    from reviews.services.assignment import assignment_problem_build

    if not declined:
        return {}
    problem = assignment_problem_build(cutoff=cutoff, fill_gaps_only=True)
    proposal_ids = {p.id for p in problem.proposals}
    reviewer_ids = {r.id for r in problem.reviewers}
    counts: dict[int, int] = defaultdict(int)
    for _, proposal in problem.existing:
        counts[proposal] += 1
    suggestions = {}
    for assignment in declined:
        pair = (assignment.reviewer_id, assignment.proposal_id)
        if assignment.proposal_id not in proposal_ids or assignment.reviewer_id not in reviewer_ids:
            continue
        # The cut-off as it was before the decline, wanting exactly what it has: the one
        # re-opened proposal is then the only place the replacement can go.
        before = replace(
            problem,
            proposals=tuple(
                replace(p, reviewers_wanted=counts[p.id] + (p.id == assignment.proposal_id))
                for p in problem.proposals
            ),
            declined=problem.declined - {pair},
            # A conflict found after the assignment: as if unknown before it, so the solver
            # suggests who would have taken that place (replacement_for excludes the pair).
            conflicts=problem.conflicts - {pair},
            existing=problem.existing | {pair},
            pinned=problem.existing | {pair},
        )
        try:
            found = replacement_for(before, solve(before), assignment.proposal_id, pair[0])
        except ValueError:
            continue  # the pair is conflicted now: the conflicts page says so
        suggestions[assignment.pk] = found
    return suggestions
