"""Reads of the right of reply: the reviews of a proposal as its applicant reads them (anonymised:
"Reviewer 1, 2, 3", the comments to the applicant, the scores only if the call says so, each
centre's comment to the applicant), and the officer's view of a cut-off (which proposals have all
their reviews in, which replies are open, submitted or past their deadline).

Nothing here ever reads a reviewer's name, email, affiliation or id into what the applicant gets:
the dataclasses below carry only numbers and the texts meant for the applicant."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from applications.models import CutOff, Proposal, ProposalReply, ProposalStatus
from reviews.models import (
    INACTIVE_ASSIGNMENT_STATUSES,
    CriterionScore,
    Review,
    ReviewAssignment,
    TechnicalAssessment,
)
from reviews.selectors.reviews import reviewer_numbers


@dataclass(frozen=True)
class CriterionComment:
    criterion: str
    comment: str
    score: int | None  # None unless the call shows scores
    scale_max: int


@dataclass(frozen=True)
class AnonymisedReview:
    number: int  # "Reviewer 1": reviews.selectors.reviews.reviewer_numbers, as reviewers see it
    criteria: list[CriterionComment]

    @property
    def label(self) -> str:
        return f"Reviewer {self.number}"


@dataclass(frozen=True)
class AssessmentComment:
    centre: str
    partition: str
    comment: str


@dataclass
class ApplicantReviews:
    proposal: Proposal
    reviews: list[AnonymisedReview] = field(default_factory=list)
    assessments: list[AssessmentComment] = field(default_factory=list)
    shows_scores: bool = False


def submitted_reviews(*, proposal: Proposal) -> QuerySet[Review]:
    """The proposal's submitted reviews in their reviewers' order (reviewer_numbers)."""
    return (
        Review.objects.filter(proposal=proposal, status=Review.Status.SUBMITTED)
        .order_by("assignment_id")
        .prefetch_related(
            Prefetch(
                "scores",
                queryset=CriterionScore.objects.select_related("criterion").order_by(
                    "criterion__position", "criterion_id"
                ),
            )
        )
    )


def applicant_reviews(*, proposal: Proposal) -> ApplicantReviews:
    """What the applicant reads with the right of reply (asked by the caller:
    reviews.read_reviews). Five queries whatever the number of reviews and criteria."""
    shows_scores = proposal.call.reply_shows_scores
    numbers = reviewer_numbers(proposal.pk)
    reviews = [
        AnonymisedReview(
            number=number,
            criteria=[
                CriterionComment(
                    criterion=s.criterion.name,
                    comment=s.comment_to_applicant,
                    score=s.score if shows_scores else None,
                    scale_max=s.criterion.scale_max,
                )
                for s in review.scores.all()
            ],
        )
        for review in submitted_reviews(proposal=proposal)
        if (number := numbers.get(review.assignment_id))
    ]
    assessments = [
        AssessmentComment(
            centre=a.centre.name,
            partition=str(a.request.offered_partition.partition),
            comment=a.comment_to_applicant,
        )
        for a in TechnicalAssessment.objects.filter(
            proposal=proposal, status=TechnicalAssessment.Status.SUBMITTED
        )
        .exclude(comment_to_applicant="")
        .select_related("centre", "request__offered_partition__partition")
        .order_by("pk")
    ]
    return ApplicantReviews(
        proposal=proposal, reviews=reviews, assessments=assessments, shows_scores=shows_scores
    )


def reply_of(*, proposal: Proposal) -> ProposalReply | None:
    return (
        ProposalReply.objects.select_related("saved_by", "submitted_by")
        .filter(proposal=proposal)
        .first()
    )


# --- the officer's cut-off ----------------------------------------------------------------------


def _counted_assignments() -> Q:
    # A declined assignment is no review owed.
    return ~Q(status__in=INACTIVE_ASSIGNMENT_STATUSES)


def with_review_counts(queryset: QuerySet[Proposal]) -> QuerySet[Proposal]:
    """Each proposal with `reviews_owed` (assignments not declined) and `reviews_in` (submitted
    reviews of those assignments)."""
    owed = ReviewAssignment.objects.filter(_counted_assignments(), proposal=OuterRef("pk"))
    return queryset.annotate(
        reviews_owed=_subquery_count(owed),
        reviews_in=_subquery_count(
            ReviewAssignment.objects.filter(
                _counted_assignments(),
                proposal=OuterRef("pk"),
                review__status=Review.Status.SUBMITTED,
            )
        ),
    )


def _subquery_count(queryset):
    counted = queryset.order_by().values("proposal").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def reviews_complete(*, proposal: Proposal) -> bool:
    """Every assignment not declined has its review submitted, and there is at least one."""
    counted = ReviewAssignment.objects.filter(_counted_assignments(), proposal=proposal)
    owed = counted.count()
    done = counted.filter(review__status=Review.Status.SUBMITTED).count()
    return owed > 0 and done == owed


@dataclass
class ReplyRow:
    proposal: Proposal
    reviews_owed: int
    reviews_in: int
    reply: ProposalReply | None

    @property
    def reviews_complete(self) -> bool:
        return self.reviews_owed > 0 and self.reviews_in == self.reviews_owed


@dataclass
class CutOffReplyPage:
    cutoff: CutOff
    right_of_reply: bool
    in_review: list[ReplyRow]
    in_reply: list[ReplyRow]
    now: datetime

    @property
    def ready(self) -> list[ReplyRow]:
        return [row for row in self.in_review if row.reviews_complete]

    @property
    def waiting(self) -> list[ReplyRow]:
        return [row for row in self.in_review if not row.reviews_complete]

    @property
    def replies_in(self) -> list[ReplyRow]:
        """In reply, and the reply submitted or its deadline passed: may go to the panel."""
        return [
            row
            for row in self.in_reply
            if row.reply is not None and (row.reply.is_submitted or self.now > row.reply.deadline)
        ]


def cutoff_reply_page(*, cutoff: CutOff, now: datetime | None = None) -> CutOffReplyPage:
    """The cut-off's proposals in review and in reply, with their review counts and replies, in
    a fixed number of queries whatever their number."""
    now = now or timezone.now()
    base = with_review_counts(
        Proposal.objects.filter(
            cutoff=cutoff, status__in=[ProposalStatus.IN_REVIEW, ProposalStatus.IN_REPLY]
        )
        .select_related("organisation", "reply")
        .order_by("submitted_at", "pk")
    )
    in_review, in_reply = [], []
    for proposal in base:
        try:
            reply = proposal.reply
        except ProposalReply.DoesNotExist:
            reply = None
        row = ReplyRow(proposal, proposal.reviews_owed, proposal.reviews_in, reply)
        (in_review if proposal.status == ProposalStatus.IN_REVIEW else in_reply).append(row)
    return CutOffReplyPage(
        cutoff=cutoff,
        right_of_reply=cutoff.call.right_of_reply,
        in_review=in_review,
        in_reply=in_reply,
        now=now,
    )
