"""Demo data of the technical assessment: some eligible demo proposals assessed by the demo
technical assessor. Idempotent: what is submitted stays, nothing is assessed twice. Each step
happens at its moment of the story (reviews.demo.evaluation_moments)."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from allocations.models import CentreMembership
from applications.demo_clock import demo_moment
from applications.models import Proposal, ProposalStatus
from applications.services.proposals import proposal_transition
from applications.working_days import working_calendar
from reviews.demo import evaluation_moments
from reviews.models import TechnicalAssessment
from reviews.services.assessments import assessment_submit, assessments_open

DEMO_OFFICER_EMAIL = "officer@demo.example"
DEMO_ASSESSOR_EMAIL = "assessor@demo.example"
# Eligible demo proposals whose requests the demo assessor assesses; the others stay open so
# that the workspace shows both lists.
ASSESSED_PROPOSALS = 1


def _eligible_demo_proposals(now: datetime, officer, centres: set[int]) -> list[Proposal]:
    """The eligible demo proposals; without any, two submitted ones of a passed cut-off with a
    request at the assessor's centre are declared eligible through the door."""
    # Those the peer review took on to the reply and the panel since still count: a rerun
    # finds them and declares no more eligible.
    in_evaluation = (
        ProposalStatus.ELIGIBLE,
        ProposalStatus.IN_REVIEW,
        ProposalStatus.IN_REPLY,
        ProposalStatus.IN_PANEL,
    )
    found = list(Proposal.objects.filter(status__in=in_evaluation).order_by("submitted_at", "pk"))
    if found or officer is None:
        return found
    waiting = (
        Proposal.objects.filter(
            status=ProposalStatus.SUBMITTED,
            cutoff__at__lt=now,
            requests__offered_partition__partition__centre_id__in=centres,
        )
        # The demo logins' own proposals keep the state their story tells.
        .exclude(team__user__email__endswith="@demo.example")
        .distinct()
        .order_by("submitted_at", "pk")[:2]
    )
    calendar = working_calendar()
    eligible = []
    for proposal in waiting:
        moments = evaluation_moments(proposal, now=now, calendar=calendar)
        with demo_moment(moments.eligibility), transaction.atomic():
            eligible.append(
                proposal_transition(
                    proposal=proposal,
                    action="declare_eligible",
                    by=officer,
                    reason="Demo eligibility.",
                )
            )
    return eligible


def assessment_demo_seed(
    *,
    assessor_email: str = DEMO_ASSESSOR_EMAIL,
    officer_email: str = DEMO_OFFICER_EMAIL,
    now: datetime | None = None,
) -> int:
    """Open the assessments of eligible demo proposals and submit the demo assessor's share of
    the first; returns how many were submitted now."""
    users = get_user_model().objects
    assessor = users.filter(email=assessor_email).first()
    if assessor is None:
        return 0
    officer = users.filter(email=officer_email).first()
    centres = set(
        CentreMembership.objects.filter(
            user=assessor, role=CentreMembership.Role.TECHNICAL_ASSESSOR
        ).values_list("centre_id", flat=True)
    )
    now = now or timezone.now()
    calendar = working_calendar()
    proposals = _eligible_demo_proposals(now, officer, centres)
    # Opened when each was found eligible (the door's receiver does it after the commit; here
    # for what it has not opened).
    moments = {p.pk: evaluation_moments(p, now=now, calendar=calendar) for p in proposals}
    for proposal in proposals:
        with demo_moment(moments[proposal.pk].eligibility), transaction.atomic():
            assessments_open(proposal=proposal)
    submitted = 0
    assessed = [
        p for p in proposals if p.technical_assessments.filter(centre_id__in=centres).exists()
    ][:ASSESSED_PROPOSALS]
    for proposal in assessed:
        waiting = (
            proposal.technical_assessments.filter(centre_id__in=centres)
            .exclude(status=TechnicalAssessment.Status.SUBMITTED)
            .select_related("request")
        )
        for assessment in waiting:
            with demo_moment(moments[proposal.pk].assessment):
                _submit(assessment, assessor)
            submitted += 1
    return submitted


def _submit(assessment: TechnicalAssessment, assessor) -> None:
    assessment_submit(
        assessment=assessment,
        by=assessor,
        outcome=TechnicalAssessment.Outcome.FEASIBLE_WITH_CHANGES,
        recommended_hours=(assessment.request.hours * 9 // 10),
        comment_to_applicant=(
            "Feasible. Plan checkpoints at least every 4 hours: jobs are limited to 48 "
            "hours on this partition."
        ),
        comment_to_panel="Queue times are long before the holidays; 90% is realistic.",
    )


def assessment_demo_chapter(*, officer) -> None:
    """The demo's assessment chapter (applications.hooks.demo_chapters), after eligibility."""
    assessment_demo_seed(officer_email=officer.email)
