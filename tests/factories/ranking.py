"""Builders for the panel ranking: a Large Scale cut-off with a pool and weighted criteria, and
proposals taken through the door into the panel, each assessed by its centre and scored by
reviewers assigned and accepted through the assignment services.

`panel_review_submitted` saves and submits a review through the review services.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from django.utils import timezone

from applications.models import Proposal, ProposalStatus
from applications.modes import AccessMode
from reviews.models import (
    PoolMembership,
    Review,
    ReviewAssignment,
    TechnicalAssessment,
)
from reviews.services.assessments import assessment_submit, assessments_open

from .allocations import CentreMembershipFactory
from .applications import (
    CallFactory,
    CutOffFactory,
    CutOffPoolFactory,
    EvaluationCriterionFactory,
    SubmittableProposalFactory,
    advance,
)
from .portal import ProgrammeOfficerFactory, ReviewerFactory

TO_APPLICANT_REVIEW = "The scaling plan is convincing; show the data pipeline's throughput."
PANEL_ONLY = "Between us: the team lead left their last start-up in a hurry."


def panel_review_submitted(
    *,
    assignment: ReviewAssignment,
    scores: Mapping,
    comments: Mapping | None = None,
    comment_to_panel: str = PANEL_ONLY,
) -> Review:
    """A submitted review of `assignment` through the review services: `scores` maps each
    criterion to its score, `comments` each criterion to its comment to the applicant."""
    from reviews.services.conflicts import no_conflict_confirm

    from .scoring import submitted_review

    comments = comments or {}
    no_conflict_confirm(reviewer=assignment.reviewer, proposal=assignment.proposal)
    return submitted_review(
        assignment,
        scores={criterion.pk: score for criterion, score in scores.items()},
        comments={
            criterion.pk: comments.get(criterion, TO_APPLICANT_REVIEW) for criterion in scores
        },
        comment_to_panel=comment_to_panel,
    )


def ranking_cutoff(
    *, pool_hours=Decimal(100_000), criteria: Sequence[tuple] = ((1, None), (1, None))
):
    """A Large Scale cut-off with one pool, and its criteria as (weight, threshold) pairs.
    Returns (cutoff, pool link, criteria)."""
    call = CallFactory(mode=AccessMode.LARGE_SCALE, title="Large Scale panel")
    # Small requests keep the figures readable: the call's minimum is lowered for the tests.
    link = CutOffPoolFactory(
        cutoff=CutOffFactory(call=call),
        pool__hours=pool_hours,
        pool__label="Panel pool A",
        offered_partition__min_hours=Decimal(1_000),
        offered_partition__max_hours=Decimal(10**7),
    )
    made = [
        EvaluationCriterionFactory(
            call=call,
            name=f"Criterion {n + 1}",
            weight=Decimal(str(weight)),
            threshold=None if threshold is None else Decimal(str(threshold)),
            position=n,
        )
        for n, (weight, threshold) in enumerate(criteria)
    ]
    return link.cutoff, link, made


def panel_reviewer(call, **kwargs):
    reviewer = ReviewerFactory(**kwargs)
    PoolMembership.objects.create(call=call, user=reviewer, terms_accepted_at=timezone.now())
    return reviewer


def panel_proposal(
    cutoff,
    link,
    criteria,
    *,
    scores: Sequence[Sequence[int]] = ((3, 3),),
    hours=Decimal(20_000),
    recommended=None,
    reviewers: Sequence | None = None,
    officer=None,
    to: str = ProposalStatus.IN_PANEL,
    extra_links: Sequence = (),
) -> Proposal:
    """A proposal of `cutoff` asking `hours` on `link`'s partition (and on each of
    `extra_links`), assessed (recommending `recommended`, default what it asks), with one
    submitted review per entry of `scores` (a score per criterion), taken to `to`."""
    from reviews.services.assignment import assignment_add, assignment_answer

    from .applications import ResourceRequestFactory

    officer = officer or ProgrammeOfficerFactory()
    proposal = SubmittableProposalFactory(
        cutoff=cutoff, request__offered_partition=link.offered_partition, request__hours=hours
    )
    for extra in extra_links:
        ResourceRequestFactory(
            proposal=proposal, offered_partition=extra.offered_partition, hours=hours
        )
    proposal = advance(proposal, to=ProposalStatus.ELIGIBLE, officer=officer)
    assessments_open(proposal=Proposal.objects.get(pk=proposal.pk))
    for assessment in TechnicalAssessment.objects.filter(proposal=proposal).select_related(
        "request"
    ):
        assessment_submit(
            assessment=assessment,
            by=CentreMembershipFactory(centre=assessment.centre).user,
            outcome=TechnicalAssessment.Outcome.FEASIBLE_WITH_CHANGES,
            recommended_hours=assessment.request.hours if recommended is None else recommended,
            comment_to_applicant="Checkpoint every 4 hours.",
            comment_to_panel="Tight in December.",
        )
    proposal = advance(
        Proposal.objects.get(pk=proposal.pk), to=ProposalStatus.IN_REVIEW, officer=officer
    )
    reviewers = list(reviewers or [])
    while len(reviewers) < len(scores):
        reviewers.append(panel_reviewer(cutoff.call))
    for reviewer, given in zip(reviewers, scores, strict=False):
        assignment = assignment_add(proposal=proposal, reviewer=reviewer, by=officer)
        assignment_answer(assignment=assignment, reviewer=reviewer, accept=True)
        panel_review_submitted(
            assignment=assignment, scores=dict(zip(criteria, given, strict=True))
        )
    if to != ProposalStatus.IN_REVIEW:
        proposal = advance(Proposal.objects.get(pk=proposal.pk), to=to, officer=officer)
    return Proposal.objects.get(pk=proposal.pk)
