"""Reviews and scores, reached the way users reach them: an officer assigns a pool reviewer (who
confirmed having no conflict) through the assignment service, and the reviewer saves and submits
through the review services.

    world = scoring_world(criteria=2)                  # call, cut-off, criteria, officer
    proposal = eligible_proposal(world.cutoff)
    assignment = assigned_reviewer(proposal, officer=world.officer)
    review = submitted_review(assignment, scores={criterion.pk: 4, ...})
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from applications.models import CutOff, EvaluationCriterion, Proposal, ProposalStatus
from applications.modes import AccessMode
from reviews.models import PoolMembership, Review, ReviewAssignment
from reviews.services.assignment import assignment_add
from reviews.services.conflicts import no_conflict_confirm
from reviews.services.reviews import comment_field, review_save, review_submit, score_field

from .applications import CallFactory, CutOffFactory, EvaluationCriterionFactory, ProposalFactory
from .portal import ProgrammeOfficerFactory, ReviewerFactory


@dataclass
class ScoringWorld:
    cutoff: CutOff
    criteria: list[EvaluationCriterion]
    officer: object


def scoring_world(*, criteria: int = 2, weights=None, title: str = "Large Scale 2027"):
    """A Large Scale call with a cut-off and `criteria` criteria (scale 0-5, weights 1, 2, ...
    unless given), and a programme officer."""
    call = CallFactory(mode=AccessMode.LARGE_SCALE, title=title)
    cutoff = CutOffFactory(call=call)
    weights = weights or [Decimal(n + 1) for n in range(criteria)]
    rows = [
        EvaluationCriterionFactory(
            call=call, name=f"Criterion {n + 1}", weight=weights[n], position=n
        )
        for n in range(criteria)
    ]
    return ScoringWorld(cutoff=cutoff, criteria=rows, officer=ProgrammeOfficerFactory())


def eligible_proposal(cutoff: CutOff, **kwargs) -> Proposal:
    """A proposal found eligible (set directly: eligibility has its own tests)."""
    kwargs.setdefault("title", "A proposal to review")
    return ProposalFactory(
        cutoff=cutoff, status=ProposalStatus.ELIGIBLE, submitted_at=timezone.now(), **kwargs
    )


def pool_member(call, reviewer=None, **kwargs):
    """A reviewer in the call's pool with its terms accepted."""
    reviewer = reviewer or ReviewerFactory(**kwargs)
    PoolMembership.objects.get_or_create(
        call=call, user=reviewer, defaults={"terms_accepted_at": timezone.now()}
    )
    return reviewer


def assigned_reviewer(proposal: Proposal, *, officer=None, reviewer=None) -> ReviewAssignment:
    """A pool reviewer who confirmed having no conflict, assigned by an officer (the service
    sets the deadline and takes the proposal into review)."""
    reviewer = pool_member(proposal.call, reviewer)
    no_conflict_confirm(reviewer=reviewer, proposal=proposal)
    return assignment_add(
        proposal=proposal, reviewer=reviewer, by=officer or ProgrammeOfficerFactory()
    )


def review_values(assignment: ReviewAssignment, scores=None, comments=None, **fields) -> dict:
    """Values for review_save: `scores` by criterion id (default: the scale's top minus one)."""
    criteria = EvaluationCriterion.objects.filter(call_id=assignment.proposal.call_id)
    values = {}
    for criterion in criteria:
        default = max(criterion.scale_min, criterion.scale_max - 1)
        values[score_field(criterion.pk)] = (scores or {}).get(criterion.pk, default)
        values[comment_field(criterion.pk)] = (comments or {}).get(
            criterion.pk, f"Comment on {criterion.name}."
        )
    values.update(fields)
    return values


def draft_review(assignment: ReviewAssignment, **values) -> Review:
    """A draft saved by the reviewer through review_save (any subset of the fields)."""
    return review_save(
        assignment=assignment, reviewer=assignment.reviewer, values=values, expected_version=None
    )


def submitted_review(
    assignment: ReviewAssignment,
    *,
    scores: dict[int, int] | None = None,
    comments: dict[int, str] | None = None,
    confidence: str = "high",
    recommendation: str = "fund",
    comment_to_panel: str = "Solid plan.",
    now=None,
) -> Review:
    """A review saved and submitted by the assigned reviewer through the review services."""
    values = review_values(
        assignment,
        scores,
        comments,
        confidence=confidence,
        recommendation=recommendation,
        comment_to_panel=comment_to_panel,
    )
    review_save(
        assignment=assignment, reviewer=assignment.reviewer, values=values, expected_version=None
    )
    return review_submit(assignment=assignment, reviewer=assignment.reviewer, now=now)
