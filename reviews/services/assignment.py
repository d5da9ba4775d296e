"""Writes of reviewer assignment: an automatic run (the solver's problem built from the database,
solved, saved as it was computed), applying a run in one transaction, and assigning or removing a
reviewer by hand. Programme officers only; every write is in the staff-only activity log."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from applications.models import CutOff, Proposal
from applications.services.proposals import proposals_waiting_refresh
from portal.models import User
from portal.services.activity import activity_record
from reviews.assignment.problem import Bid as SolverBid
from reviews.assignment.problem import Problem, ProposalNeed, ReviewerOffer
from reviews.assignment.solver import Result, Status, solve
from reviews.models import (
    INACTIVE_ASSIGNMENT_STATUSES,
    AssignmentRun,
    Bid,
    PeerReviewSettings,
    PoolMembership,
    ReviewAssignment,
)
from reviews.models.assignment import DEFAULT_REVIEWERS_PER_PROPOSAL
from reviews.models.pool import DEFAULT_MAX_LOAD
from reviews.selectors.assignment_inputs import ASSIGNABLE_STATUSES, pool_reviewers
from reviews.selectors.conflicts import conflicted_pairs, reviewer_conflicts_with
from reviews.services.reviews import review_deadline, reviews_start

A = ReviewAssignment.Status

STALE_MESSAGE = (
    "The assignments, conflicts or pool of this cut-off changed since this run was computed; "
    "run the automatic assignment again and apply the new preview."
)


def _require_officer(by: User) -> None:
    if not by.has_perm("reviews.assign_reviewers"):
        raise PermissionDenied


def reviewers_per_proposal(call) -> int:
    row = PeerReviewSettings.objects.filter(call=call).first()
    return row.reviewers_per_proposal if row else DEFAULT_REVIEWERS_PER_PROPOSAL


def _max_load(membership: PoolMembership) -> int:
    profile = getattr(membership.user, "reviewer_profile", None)
    return profile.max_load if profile is not None else DEFAULT_MAX_LOAD


def _assignment_state(cutoff: CutOff, proposal_ids: set[int], reviewer_ids: set[int]):
    """(existing, declined, load elsewhere in the cut-off) from the cut-off's assignments."""
    existing, declined = set(), set()
    elsewhere: Counter[int] = Counter()
    rows = ReviewAssignment.objects.filter(proposal__cutoff=cutoff).values_list(
        "reviewer_id", "proposal_id", "status"
    )
    for reviewer_id, proposal_id, status in rows:
        if reviewer_id not in reviewer_ids:
            continue
        if proposal_id not in proposal_ids:
            if status not in INACTIVE_ASSIGNMENT_STATUSES:
                elsewhere[reviewer_id] += 1
        elif status in INACTIVE_ASSIGNMENT_STATUSES:
            declined.add((reviewer_id, proposal_id))
        else:
            existing.add((reviewer_id, proposal_id))
    return frozenset(existing), frozenset(declined), elsewhere


def assignment_problem_build(*, cutoff: CutOff, fill_gaps_only: bool) -> Problem:
    """The solver's inputs for a cut-off, from the database: the pool's reviewers (terms accepted)
    with their cap and their load on the cut-off's other proposals, the assignable proposals
    wanting the call's number of reviewers, bids, conflicts (hard exclusions), existing and
    declined assignments. An accepted assignment is pinned: a re-run never takes it away."""
    memberships = pool_reviewers(cutoff)
    reviewer_ids = {m.user_id for m in memberships}
    proposal_keywords = dict(
        Proposal.objects.filter(cutoff=cutoff, status__in=ASSIGNABLE_STATUSES).values_list(
            "pk", "keywords"
        )
    )
    proposal_ids = set(proposal_keywords)
    wanted = reviewers_per_proposal(cutoff.call)
    existing, declined, elsewhere = _assignment_state(cutoff, proposal_ids, reviewer_ids)
    accepted = set(
        ReviewAssignment.objects.filter(
            proposal_id__in=proposal_ids, reviewer_id__in=reviewer_ids, status=A.ACCEPTED
        ).values_list("reviewer_id", "proposal_id")
    )
    bids = {
        (r, p): SolverBid(level)
        for r, p, level in Bid.objects.filter(
            proposal_id__in=proposal_ids, reviewer_id__in=reviewer_ids
        ).values_list("reviewer_id", "proposal_id", "level")
    }
    conflicts = {
        (r, p) for r, p in conflicted_pairs(cutoff) if r in reviewer_ids and p in proposal_ids
    }
    reviewers = []
    for membership in memberships:
        profile = getattr(membership.user, "reviewer_profile", None)
        reviewers.append(
            ReviewerOffer(
                id=membership.user_id,
                load_cap=_max_load(membership),
                current_load=elsewhere[membership.user_id],
                keywords=frozenset(profile.expertise_keywords if profile else ()),
                fields=frozenset(profile.expertise_fields if profile else ()),
            )
        )
    return Problem(
        proposals=tuple(
            ProposalNeed(
                id=p,
                reviewers_wanted=wanted,
                keywords=frozenset(k for k in proposal_keywords[p] or () if isinstance(k, str)),
            )
            for p in sorted(proposal_ids)
        ),
        reviewers=tuple(reviewers),
        bids=bids,
        conflicts=frozenset(conflicts),
        declined=declined,
        existing=existing,
        pinned=frozenset(accepted & existing),
        fill_gaps_only=fill_gaps_only,
    )


def assignment_run_create(
    *, cutoff: CutOff, by: User, fill_gaps_only: bool = False, strict: bool = False
) -> AssignmentRun:
    """Solve the cut-off's assignment and save the run (inputs, result, objective) for preview;
    nothing is assigned until the run is applied."""
    _require_officer(by)
    problem = assignment_problem_build(cutoff=cutoff, fill_gaps_only=fill_gaps_only)
    result = solve(problem, strict=strict)
    return AssignmentRun.objects.create(
        cutoff=cutoff,
        fill_gaps_only=fill_gaps_only,
        strict=strict,
        inputs=problem.as_json(),
        result=result.as_json(),
        status=result.status.value,
        objective=result.objective,
        created_by=by,
    )


@dataclass(frozen=True)
class ApplyOutcome:
    created: int
    removed: int


def assignment_run_apply(*, run: AssignmentRun, by: User) -> ApplyOutcome:
    """Make the run's assignments, all or none. Refused when the run was infeasible (it proposes
    nothing), already applied, or stale: the cut-off's assignments, conflicts or pool changed
    since it was computed, so what was previewed is no longer what would be applied. Without
    "fill gaps only", the run's choice replaces the assignments not yet accepted."""
    _require_officer(by)
    with transaction.atomic():
        # One apply at a time per cut-off: the second waits, then finds the run stale or applied.
        cutoff = CutOff.objects.select_for_update().get(pk=run.cutoff_id)
        run = AssignmentRun.objects.select_for_update().get(pk=run.pk)
        if run.applied_at is not None:
            raise ValidationError("This run is already applied.", code="applied")
        result = Result.from_json(run.result)
        if result.status is Status.INFEASIBLE:
            raise ValidationError(
                "This strict run is infeasible, so it proposes nothing to apply: "
                + " ".join(result.causes),
                code="infeasible",
            )
        problem = Problem.from_json(run.inputs)
        proposal_ids = {p.id for p in problem.proposals}
        reviewer_ids = {r.id for r in problem.reviewers}
        in_pool = {m.user_id for m in pool_reviewers(cutoff)}
        existing, declined, _ = _assignment_state(cutoff, proposal_ids, reviewer_ids)
        conflicts = conflicted_pairs(cutoff)
        if (
            existing != problem.existing
            or declined != problem.declined
            or not reviewer_ids <= in_pool
            or result.pairs & conflicts
        ):
            raise ValidationError(STALE_MESSAGE, code="stale")
        new_pairs = sorted(result.new_pairs - existing)
        deadline = review_deadline(call=cutoff.call)
        ReviewAssignment.objects.bulk_create(
            [
                ReviewAssignment(
                    reviewer_id=reviewer,
                    proposal_id=proposal,
                    source=ReviewAssignment.Source.AUTOMATIC,
                    run=run,
                    created_by=by,
                    deadline=deadline,
                )
                for reviewer, proposal in new_pairs
            ]
        )
        # A proposal with reviewers is in review: through the door, as the officer.
        reviews_start(proposal_ids={proposal for _, proposal in new_pairs}, by=by)
        removed = 0
        if not run.fill_gaps_only:
            gone = existing - result.pairs
            for reviewer, proposal in sorted(gone):
                removed += ReviewAssignment.objects.filter(
                    reviewer_id=reviewer, proposal_id=proposal, status=A.ASSIGNED
                ).delete()[0]
        else:
            gone = set()
        # "1 of 3 reviews in": the reviews owed changed for these proposals.
        proposals_waiting_refresh(
            proposal_ids={proposal for _, proposal in new_pairs} | {p for _, p in gone}
        )
        run.applied_at = timezone.now()
        run.save(update_fields=["applied_at"])
        activity_record(
            actor=by,
            verb="assignment.run_apply",
            target=cutoff,
            data={"created": len(new_pairs), "removed": removed, "run": run.pk},
        )
    return ApplyOutcome(created=len(new_pairs), removed=removed)


def assignment_add(*, proposal: Proposal, reviewer: User, by: User) -> ReviewAssignment:
    """Assign a reviewer by hand: one of the call's pool under accepted terms, with no conflict,
    below their cap for the cut-off, on an assignable proposal, not already on it."""
    _require_officer(by)
    with transaction.atomic():
        membership = (
            # Locks the reviewer's membership: two officers adding them at once count in turn.
            PoolMembership.objects.select_for_update(of=("self",))
            .select_related("user", "user__reviewer_profile")
            .filter(call_id=proposal.call_id, user=reviewer, terms_accepted_at__isnull=False)
            .first()
        )
        name = reviewer.display_name
        if membership is None:
            raise ValidationError(
                {"reviewer": f"{name} is not in this call's pool with its terms accepted."},
                code="not_in_pool",
            )
        if proposal.status not in ASSIGNABLE_STATUSES:
            raise ValidationError(
                {"proposal": "Only an eligible proposal or one in review takes reviewers."},
                code="not_assignable",
            )
        if reviewer_conflicts_with(reviewer=reviewer, proposal=proposal):
            raise ValidationError(
                {"reviewer": f"{name} has a conflict of interest with this proposal."},
                code="conflict",
            )
        load = (
            ReviewAssignment.objects.filter(
                reviewer=reviewer, proposal__cutoff_id=proposal.cutoff_id
            )
            .exclude(status__in=INACTIVE_ASSIGNMENT_STATUSES)
            .count()
        )
        cap = _max_load(membership)
        if load >= cap:
            raise ValidationError(
                {"reviewer": f"{name} is at their cap of {cap} proposals for this cut-off."},
                code="over_cap",
            )
        try:
            with transaction.atomic():
                assignment = ReviewAssignment.objects.create(
                    reviewer=reviewer,
                    proposal=proposal,
                    source=ReviewAssignment.Source.MANUAL,
                    created_by=by,
                    deadline=review_deadline(call=proposal.call),
                )
        except IntegrityError as exc:
            raise ValidationError(
                {"reviewer": f"{name} is already assigned to this proposal."}, code="duplicate"
            ) from exc
        activity_record(actor=by, verb="assignment.add", target=proposal, data={"reviewer": name})
        reviews_start(proposal_ids=[proposal.pk], by=by)
        proposals_waiting_refresh(proposal_ids=[proposal.pk])
    return assignment


def assignment_remove(*, assignment: ReviewAssignment, by: User) -> None:
    _require_officer(by)
    with transaction.atomic():
        name = assignment.reviewer.display_name
        proposal = assignment.proposal
        assignment.delete()
        activity_record(
            actor=by, verb="assignment.remove", target=proposal, data={"reviewer": name}
        )
        proposals_waiting_refresh(proposal_ids=[proposal.pk])


def assignment_answer(
    *, assignment: ReviewAssignment, reviewer: User, accept: bool, reason: str = ""
) -> ReviewAssignment:
    """The assigned reviewer accepts or declines (a reason is required to decline). Only an
    assignment still waiting for an answer can be answered."""
    if assignment.reviewer_id != reviewer.pk or not reviewer.has_perm("reviews.view_reviewer_home"):
        raise PermissionDenied
    reason = (reason or "").strip()
    with transaction.atomic():
        assignment = ReviewAssignment.objects.select_for_update().get(pk=assignment.pk)
        if assignment.status != A.ASSIGNED:
            raise ValidationError(
                f"You already {assignment.get_status_display().lower()} this assignment.",
                code="answered",
            )
        if not accept:
            if not reason:
                raise ValidationError(
                    {"reason": "Say why you decline, so the programme office can reassign."},
                    code="reason_required",
                )
            field = ReviewAssignment._meta.get_field("decline_reason")
            field.run_validators(reason)
        assignment.status = A.ACCEPTED if accept else A.DECLINED
        assignment.decline_reason = "" if accept else reason
        assignment.answered_at = timezone.now()
        assignment.save(update_fields=["status", "decline_reason", "answered_at"])
        activity_record(
            actor=reviewer,
            verb="assignment.accept" if accept else "assignment.decline",
            target=assignment.proposal,
            data={} if accept else {"reason": reason},
        )
        if not accept:  # a declined assignment owes no review
            proposals_waiting_refresh(proposal_ids=[assignment.proposal_id])
    return assignment


def assignments_conflicted(
    *, pairs: Collection[tuple[int, int]], by: User | None, cause: str
) -> list[ReviewAssignment]:
    """A conflict of interest found after the assignment, for each (reviewer id, proposal id):
    the assignment no longer counts (the officer is offered a replacement on the assignment
    page) and its review, if any, is set aside: never ranked, counted or shown. Idempotent."""
    from reviews.models import Review

    pairs = set(pairs)
    if not pairs:
        return []
    with transaction.atomic():
        candidates = (
            ReviewAssignment.objects.select_for_update(of=("self",))
            .filter(reviewer_id__in={r for r, _ in pairs}, proposal_id__in={p for _, p in pairs})
            .exclude(status__in=INACTIVE_ASSIGNMENT_STATUSES)
            .select_related("reviewer", "proposal")
        )
        found = [a for a in candidates if (a.reviewer_id, a.proposal_id) in pairs]
        for assignment in found:
            assignment.status = A.CONFLICTED
        ReviewAssignment.objects.bulk_update(found, ["status"])
        Review.objects.filter(assignment__in=found).update(status=Review.Status.SET_ASIDE)
        for assignment in found:
            activity_record(
                actor=by,
                verb="assignment.conflicted",
                target=assignment.proposal,
                data={"reviewer": assignment.reviewer.display_name, "cause": cause},
            )
        # A conflicted assignment owes no review (and its submitted one no longer counts).
        proposals_waiting_refresh(proposal_ids={a.proposal_id for a in found})
    return found
