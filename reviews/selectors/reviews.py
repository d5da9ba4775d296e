"""Reads of reviews: a reviewer's own assignment and review, the other reviews of the proposal
(after their own is submitted, as "Reviewer 1, 2, 3"), the applicant's reply, the reviewer's
lists, and the officer's review progress of a cut-off."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from applications.models import CutOff, EvaluationCriterion, Proposal, ProposalReply
from reviews.models import (
    INACTIVE_ASSIGNMENT_STATUSES,
    CriterionScore,
    PeerReviewSettings,
    Review,
    ReviewAssignment,
)
from reviews.selectors.assignment_inputs import ASSIGNABLE_STATUSES
from reviews.selectors.bids import assignments_of

A = ReviewAssignment.Status


def reviewer_assignment(*, reviewer, pk: int) -> ReviewAssignment | None:
    """The reviewer's assignment `pk`, if they may review it (reviews.write_review); else None,
    so that another's, a conflicted or a declined one is a 404 like one that does not exist."""
    assignment = (
        ReviewAssignment.objects.filter(pk=pk, reviewer_id=getattr(reviewer, "pk", None))
        .select_related("proposal", "proposal__call", "proposal__organisation", "proposal__cutoff")
        .first()
    )
    if assignment is None or not reviewer.has_perm("reviews.write_review", assignment):
        return None
    return assignment


def criteria_of(proposal: Proposal) -> list[EvaluationCriterion]:
    return list(EvaluationCriterion.objects.filter(call_id=proposal.call_id).order_by("position"))


def _with_scores(reviews: QuerySet[Review]) -> QuerySet[Review]:
    return reviews.prefetch_related(
        Prefetch(
            "scores",
            queryset=CriterionScore.objects.select_related("criterion").order_by(
                "criterion__position", "criterion_id"
            ),
        )
    )


def review_of(assignment: ReviewAssignment) -> Review | None:
    return _with_scores(Review.objects.filter(assignment=assignment)).first()


@dataclass
class OtherReview:
    label: str  # "Reviewer 2": never a name, an email or an affiliation
    review: Review


def others_visible(call_id: int) -> bool:
    row = PeerReviewSettings.objects.filter(call_id=call_id).first()
    return row.others_reviews_after_submit if row else True


def reviewer_numbers_of(proposal_ids) -> dict[int, dict[int, int]]:
    """Per proposal, assignment id -> its reviewer's number ("Reviewer 2"), by assignment order
    with declined and conflicted ones aside. The one numbering everyone sees: the reviewers
    reading each other, the applicant reading the reviews and the decision mail, and the panel
    reading a reply that answers "Reviewer 2". One query."""
    numbers: dict[int, dict[int, int]] = {}
    rows = (
        ReviewAssignment.objects.filter(proposal_id__in=list(proposal_ids))
        .exclude(status__in=INACTIVE_ASSIGNMENT_STATUSES)
        .order_by("proposal_id", "pk")
        .values_list("proposal_id", "pk")
    )
    for proposal_id, pk in rows:
        given = numbers.setdefault(proposal_id, {})
        given[pk] = len(given) + 1
    return numbers


def reviewer_numbers(proposal_id: int) -> dict[int, int]:
    """Assignment id -> its reviewer's number on the proposal (see reviewer_numbers_of)."""
    return reviewer_numbers_of([proposal_id]).get(proposal_id, {})


def others_reviews(*, assignment: ReviewAssignment, own: Review | None) -> list[OtherReview]:
    """The proposal's other submitted reviews, once `own` is submitted and the call lets
    reviewers see them; empty otherwise."""
    if own is None or not own.is_submitted or not others_visible(assignment.proposal.call_id):
        return []
    numbers = reviewer_numbers(assignment.proposal_id)
    reviews = _with_scores(
        Review.objects.filter(
            proposal_id=assignment.proposal_id,
            status=Review.Status.SUBMITTED,
            assignment_id__in=list(numbers),
        ).exclude(pk=own.pk)
    )
    rows = [OtherReview(f"Reviewer {numbers[r.assignment_id]}", r) for r in reviews]
    return sorted(rows, key=lambda row: numbers[row.review.assignment_id])


def submitted_reply(proposal: Proposal) -> ProposalReply | None:
    return ProposalReply.objects.filter(
        proposal=proposal, status=ProposalReply.Status.SUBMITTED
    ).first()


def reviewer_assignments(*, reviewer) -> QuerySet[ReviewAssignment]:
    """The reviewer's assignments they may still see, with their review (if started), the
    proposal and whether a reply was submitted: one query for the whole list."""
    return (
        assignments_of(reviewer=reviewer)
        .select_related("review", "proposal__call")
        .annotate(
            reply_submitted=Count(
                "proposal__reply", filter=Q(proposal__reply__status=ProposalReply.Status.SUBMITTED)
            )
        )
    )


def review_state(assignment: ReviewAssignment) -> str:
    """not started, draft, submitted, declined or conflicted, as the officer and the reviewer
    read it."""
    if assignment.status == A.DECLINED:
        return "declined"
    if assignment.status == A.CONFLICTED:
        return "conflicted"
    if assignment.status == A.SUBMITTED:
        return "submitted"
    return "draft" if has_review(assignment) else "not_started"


def has_review(assignment: ReviewAssignment) -> bool:
    """Whether the assignment's review was started (no query once select_related("review"))."""
    try:
        assignment.review  # noqa: B018 - the reverse one-to-one raises when absent
    except Review.DoesNotExist:
        return False
    return True


STATE_LABELS = {
    "not_started": "Not started",
    "draft": "Draft",
    "submitted": "Submitted",
    "declined": "Declined",
    "conflicted": "Conflict of interest",
}


@dataclass
class ProgressReviewer:
    assignment: ReviewAssignment
    state: str
    overdue: bool
    late: bool  # submitted after the deadline

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]


@dataclass
class ProgressRow:
    proposal: Proposal
    reviewers: list[ProgressReviewer] = field(default_factory=list)

    @property
    def submitted(self) -> int:
        return sum(r.state == "submitted" for r in self.reviewers)


@dataclass
class ReviewProgress:
    rows: list[ProgressRow]
    counts: dict[str, int]
    overdue: int


def cutoff_review_progress(*, cutoff: CutOff, now: datetime | None = None) -> ReviewProgress:
    """Per proposal of the cut-off in evaluation, its reviewers with the state of their review,
    deadline, whether it is overdue or came in late, and the last reminder sent; a fixed number
    of queries."""
    now = now or timezone.now()
    with_reviewers = ReviewAssignment.objects.filter(proposal__cutoff=cutoff).values("proposal_id")
    proposals = list(
        Proposal.objects.filter(cutoff=cutoff)
        .filter(Q(status__in=ASSIGNABLE_STATUSES) | Q(pk__in=with_reviewers))
        .order_by("reference", "pk")
    )
    assignments = (
        ReviewAssignment.objects.filter(proposal__cutoff=cutoff)
        .select_related("reviewer", "review")
        .order_by("proposal_id", "pk")
    )
    by_proposal: dict[int, list[ProgressReviewer]] = {}
    counts = {state: 0 for state in STATE_LABELS}
    overdue_count = 0
    for assignment in assignments:
        state = review_state(assignment)
        counts[state] += 1
        past = assignment.deadline is not None and now > assignment.deadline
        overdue = past and state in ("not_started", "draft")
        overdue_count += overdue
        submitted_at = assignment.review.submitted_at if state == "submitted" else None
        late = bool(
            submitted_at and assignment.deadline is not None and submitted_at > assignment.deadline
        )
        by_proposal.setdefault(assignment.proposal_id, []).append(
            ProgressReviewer(assignment=assignment, state=state, overdue=overdue, late=late)
        )
    rows = [ProgressRow(proposal=p, reviewers=by_proposal.get(p.pk, [])) for p in proposals]
    return ReviewProgress(rows=rows, counts=counts, overdue=overdue_count)


def overdue_reviews(*, now: datetime | None = None) -> QuerySet[ReviewAssignment]:
    """Open assignments past their deadline (not submitted, not declined)."""
    now = now or timezone.now()
    return ReviewAssignment.objects.filter(status__in=(A.ASSIGNED, A.ACCEPTED), deadline__lt=now)


@dataclass
class WorkspaceAssignment:
    assignment: ReviewAssignment
    state: str
    overdue: bool
    reply: bool  # the applicant replied and the reviewer may read it (their review submitted)

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]


@dataclass
class WorkspaceAssignments:
    rows: list[WorkspaceAssignment]
    counts: dict[str, int]


def reviewer_workspace_assignments(
    *, reviewer, now: datetime | None = None
) -> WorkspaceAssignments:
    """The reviewer's assignments for their page, each with the state of its review, whether it
    is overdue and whether a reply waits to be read; one query whatever their number."""
    now = now or timezone.now()
    rows = []
    for assignment in reviewer_assignments(reviewer=reviewer):
        state = review_state(assignment)
        overdue = (
            state in ("not_started", "draft")
            and assignment.deadline is not None
            and now > assignment.deadline
        )
        rows.append(
            WorkspaceAssignment(
                assignment=assignment,
                state=state,
                overdue=overdue,
                reply=state == "submitted" and bool(assignment.reply_submitted),
            )
        )
    counts = {
        "to_do": sum(r.state in ("not_started", "draft") for r in rows),
        "draft": sum(r.state == "draft" for r in rows),
        "submitted": sum(r.state == "submitted" for r in rows),
        "overdue": sum(r.overdue for r in rows),
        "replies": sum(r.reply for r in rows),
    }
    return WorkspaceAssignments(rows=rows, counts=counts)
