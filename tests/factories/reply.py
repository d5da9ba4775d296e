"""Builders for the right of reply: submitted reviews on a proposal in review, and a Large Scale
proposal taken there.

Assignments are made and accepted, and reviews saved and submitted, through the services."""

from __future__ import annotations

import itertools
from decimal import Decimal

from django.utils import timezone

from applications.models import EvaluationCriterion, Proposal, ProposalStatus
from applications.modes import AccessMode

from .applications import EvaluationCriterionFactory, SubmittableProposalFactory, advance
from .portal import ProgrammeOfficerFactory, ReviewerFactory

_numbers = itertools.count(1)

# A Large Scale request must be within the call's limits.
LARGE_SCALE_HOURS = Decimal("60000")

DEFAULT_CRITERIA = (
    ("Excellence", Decimal("0.5")),
    ("Impact", Decimal("0.3")),
    ("Quality and efficiency of the implementation", Decimal("0.2")),
)


def call_criteria(call) -> list[EvaluationCriterion]:
    """The call's criteria, three weighted ones created if it has none."""
    criteria = list(EvaluationCriterion.objects.filter(call=call).order_by("position", "pk"))
    if not criteria:
        criteria = [
            EvaluationCriterionFactory(call=call, name=name, weight=weight, position=position)
            for position, (name, weight) in enumerate(DEFAULT_CRITERIA)
        ]
    return criteria


def pool_reviewer_for(call, **kwargs):
    """A reviewer in the call's pool with the terms accepted, writing from a domain of their own
    (a shared domain with the team would be a conflict of interest)."""
    from reviews.models import PoolMembership, ReviewerProfile

    n = next(_numbers)
    affiliation = kwargs.pop("affiliation", f"Institute of Reviewing {n}")
    kwargs.setdefault("email", f"reviewer{n}@reviewers-{n}.example.net")
    reviewer = ReviewerFactory(**kwargs)
    ReviewerProfile.objects.update_or_create(user=reviewer, defaults={"affiliation": affiliation})
    PoolMembership.objects.get_or_create(
        call=call, user=reviewer, defaults={"terms_accepted_at": timezone.now()}
    )
    return reviewer


def review_assigned(*, proposal: Proposal, reviewer=None, officer=None):
    """An accepted assignment of `reviewer` (a new pool reviewer by default) on `proposal`, who
    confirmed having no conflict first."""
    from reviews.services.assignment import assignment_add, assignment_answer
    from reviews.services.conflicts import no_conflict_confirm

    reviewer = reviewer or pool_reviewer_for(proposal.call)
    officer = officer or ProgrammeOfficerFactory()
    no_conflict_confirm(reviewer=reviewer, proposal=proposal)
    assignment = assignment_add(proposal=proposal, reviewer=reviewer, by=officer)
    return assignment_answer(assignment=assignment, reviewer=reviewer, accept=True)


def review_submitted(
    *,
    proposal: Proposal,
    reviewer=None,
    scores: list[int] | None = None,
    comments: list[str] | None = None,
    panel_comment: str = "Solid team; the budget is tight.",
    officer=None,
):
    """A submitted review of `proposal`, through the review services: assignment made and
    accepted, then a score and a comment to the applicant per criterion (in the call's order)."""
    from .scoring import submitted_review

    assignment = review_assigned(proposal=proposal, reviewer=reviewer, officer=officer)
    criteria = call_criteria(proposal.call)
    scores = scores or [4] * len(criteria)
    comments = comments or [f"Comment on {c.name.lower()}." for c in criteria]
    return submitted_review(
        assignment,
        scores={c.pk: score for c, score in zip(criteria, scores, strict=False)},
        comments={c.pk: text for c, text in zip(criteria, comments, strict=False)},
        comment_to_panel=panel_comment,
    )


def reviews_all_submitted(proposal: Proposal, *, count: int = 3, officer=None) -> list:
    """`count` submitted reviews, unless the proposal already has reviewers."""
    from reviews.models import ReviewAssignment

    if ReviewAssignment.objects.filter(proposal=proposal).exists():
        return []
    officer = officer or ProgrammeOfficerFactory()
    return [review_submitted(proposal=proposal, officer=officer) for _ in range(count)]


def proposal_in_review(*, reviews: int = 3, right_of_reply: bool = True, **kwargs) -> Proposal:
    """A submitted Large Scale proposal in review (with the right of reply on its call unless
    said otherwise) with `reviews` submitted reviews."""
    kwargs.setdefault("cutoff__call__mode", AccessMode.LARGE_SCALE)
    kwargs.setdefault("cutoff__call__right_of_reply", right_of_reply)
    kwargs.setdefault("request__hours", LARGE_SCALE_HOURS)
    proposal = advance(SubmittableProposalFactory(**kwargs), to=ProposalStatus.IN_REVIEW)
    for _ in range(reviews):
        review_submitted(proposal=proposal)
    return proposal


def proposal_in_reply(**kwargs) -> Proposal:
    """A Large Scale proposal with its reviews in and the right of reply open."""
    from applications.services.replies import reply_open

    proposal = proposal_in_review(**kwargs)
    reply_open(proposal=proposal, by=ProgrammeOfficerFactory())
    proposal.refresh_from_db()
    return proposal
