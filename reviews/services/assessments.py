"""Writes of the technical assessment: opening on eligibility, submitting, the periodic sweep."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from allocations.models import CentreMembership, Partition
from applications.models import Proposal, ProposalStatus
from applications.modes import EvaluationPath
from applications.selectors.proposals import describe_instant
from applications.services.proposals import proposals_waiting_refresh
from applications.services.proposals.transitions import proposal_transition
from applications.workflow import workflow_for
from applications.working_days import working_calendar
from portal.roles import centre_ids_with_role
from portal.services.activity import activity_record
from portal.services.notifications import notification_enqueue
from reviews.models import AssessmentSettings, TechnicalAssessment
from reviews.models.assessments import DEFAULT_WORKING_DAYS

S = TechnicalAssessment.Status
# The hour of the due day at which an assessment is due, in the programme's time zone.
DUE_AT = time(17, 0)
# How long before the deadline the centre's assessors are reminded.
REMINDER_BEFORE = timedelta(hours=24)
# The decisions that wait for every centre's assessment (the workflow table's action names).
DECISION_ACTIONS = ("award", "waitlist", "reject")


def working_days_for(call) -> int:
    row = AssessmentSettings.objects.filter(call=call).first()
    return row.working_days if row is not None else DEFAULT_WORKING_DAYS


def assessment_deadline(*, start: datetime, working_days: int) -> datetime:
    """17:00, programme time, of the n-th working day after the day of `start`."""
    calendar = working_calendar()
    due = calendar.add_working_days(start, working_days)
    return datetime.combine(due, DUE_AT, tzinfo=calendar.zone)


@transaction.atomic
def assessments_open(
    *, proposal: Proposal, now: datetime | None = None
) -> list[TechnicalAssessment]:
    """One open assessment per resource request, for the request's centre. Idempotent: a request
    that already has its assessment keeps it."""
    now = now or timezone.now()
    deadline = assessment_deadline(start=now, working_days=working_days_for(proposal.call))
    created = []
    requests = proposal.requests.select_related("offered_partition__partition").filter(
        assessment__isnull=True
    )
    for request in requests:
        assessment = TechnicalAssessment.objects.create(
            request=request,
            proposal=proposal,
            centre_id=request.offered_partition.partition.centre_id,
            deadline=deadline,
        )
        activity_record(
            actor=None,
            verb="assessment.open",
            target=proposal,
            data={"centre": str(request.offered_partition.partition.centre), "request": request.pk},
        )
        created.append(assessment)
    if created:
        proposals_waiting_refresh(proposal_ids=[proposal.pk])
    return created


def review_start_if_fcfs(*, proposal: Proposal) -> Proposal:
    """On the first-come-first-served path, take an eligible proposal whose assessments are open
    into technical assessment, as the portal (the workflow table lets the system do it). Other
    paths, and proposals no longer eligible, are left as they are."""
    if workflow_for(proposal.call).path != EvaluationPath.FCFS:
        return proposal
    if proposal.status != ProposalStatus.ELIGIBLE:
        return proposal
    return proposal_transition(proposal=proposal, action="start_review", by=None)


def _assessable(assessment: TechnicalAssessment, by) -> None:
    centres = centre_ids_with_role(by, CentreMembership.Role.TECHNICAL_ASSESSOR)
    if assessment.centre_id not in centres:
        raise PermissionDenied("Only a technical assessor of the centre can assess this request.")


@transaction.atomic
def assessment_submit(
    *,
    assessment: TechnicalAssessment,
    by,
    outcome: str,
    recommended_hours: Decimal | int | None,
    comment_to_applicant: str = "",
    comment_to_panel: str = "",
    suggested_partition: Partition | None = None,
) -> TechnicalAssessment:
    """Record a centre's assessment. Refuses another centre's request, a submitted assessment,
    and hours above the request."""
    assessment = (
        TechnicalAssessment.objects.select_for_update()
        .select_related("request", "proposal")
        .get(pk=assessment.pk)
    )
    _assessable(assessment, by)
    if assessment.status == S.SUBMITTED:
        raise ValidationError("This assessment was already submitted.", code="submitted")
    errors: dict[str, list[str]] = {}
    if outcome not in TechnicalAssessment.Outcome.values:
        errors["outcome"] = ["Choose feasible, feasible with changes or not feasible."]
    if outcome == TechnicalAssessment.Outcome.NOT_FEASIBLE:
        recommended_hours = recommended_hours if recommended_hours is not None else 0
    if recommended_hours is None:
        errors["recommended_hours"] = ["Give the hours you recommend."]
    else:
        recommended_hours = Decimal(recommended_hours)
        if recommended_hours < 0:
            errors["recommended_hours"] = ["The recommended hours cannot be negative."]
        elif recommended_hours > assessment.request.hours:
            errors["recommended_hours"] = [
                f"Recommend at most the {assessment.request.hours:,.0f} hours requested."
            ]
    if suggested_partition is not None and suggested_partition.pk == (
        assessment.request.offered_partition.partition_id
    ):
        errors["suggested_partition"] = ["Suggest a partition other than the one requested."]
    if errors:
        raise ValidationError(errors)
    assessment.outcome = outcome
    assessment.recommended_hours = recommended_hours
    assessment.comment_to_applicant = comment_to_applicant
    assessment.comment_to_panel = comment_to_panel
    assessment.suggested_partition = suggested_partition
    assessment.full_clean(exclude=["request", "proposal", "centre"])
    assessment.status = S.SUBMITTED
    assessment.submitted_at = timezone.now()
    assessment.submitted_by = by
    assessment.save()
    proposals_waiting_refresh(proposal_ids=[assessment.proposal_id])
    activity_record(
        actor=by,
        verb="assessment.submit",
        target=assessment.proposal,
        data={
            "centre": str(assessment.centre),
            "outcome": assessment.get_outcome_display(),
            "request": assessment.request_id,
        },
    )
    return assessment


def proposal_assessed(proposal: Proposal) -> bool:
    """Every assessment of the proposal is in: it is ready for a decision."""
    return not proposal.technical_assessments.exclude(status=S.SUBMITTED).exists()


def every_centre_assessed_guard(*, proposal, transition, actors, by, details) -> str | None:
    """A decision waits until every centre has assessed the proposal's requests."""
    waiting = (
        proposal.technical_assessments.exclude(status=S.SUBMITTED)
        .values_list("centre__short_name", flat=True)
        .distinct()
    )
    names = sorted(set(waiting))
    if names:
        return (
            "Decide only when every centre has assessed the requests; "
            f"waiting for {', '.join(names)}."
        )
    return None


@dataclass(frozen=True)
class SweepResult:
    opened: int
    reminded: int
    overdue: int


def _assessor_emails(centre_id: int):
    return CentreMembership.objects.filter(
        centre_id=centre_id,
        role=CentreMembership.Role.TECHNICAL_ASSESSOR,
        user__is_active=True,
    ).select_related("user")


def assessments_sweep(*, now: datetime | None = None) -> SweepResult:
    """Periodic: open assessments an eligible proposal is missing (the after-commit receiver may
    have been lost), remind the centre before a deadline, mark the late ones overdue."""
    now = now or timezone.now()
    opened = 0
    missing = Proposal.objects.filter(
        status__in=(ProposalStatus.ELIGIBLE, ProposalStatus.IN_REVIEW),
        requests__assessment__isnull=True,
    ).distinct()
    for proposal in missing:
        opened += len(assessments_open(proposal=proposal, now=now))
    # First-come-first-served proposals left eligible (the receiver failed) start their review.
    waiting = Proposal.objects.filter(
        status=ProposalStatus.ELIGIBLE, technical_assessments__isnull=False
    ).select_related("call")
    for proposal in waiting.distinct():
        with transaction.atomic():
            review_start_if_fcfs(proposal=proposal)

    reminded = 0
    due_soon = TechnicalAssessment.objects.filter(
        status=S.OPEN, reminded_at__isnull=True, deadline__lte=now + REMINDER_BEFORE
    ).select_related("proposal", "centre", "request__offered_partition__partition")
    for assessment in due_soon:
        with transaction.atomic():
            for membership in _assessor_emails(assessment.centre_id):
                notification_enqueue(
                    to_email=membership.user.email,
                    recipient=membership.user,
                    template="assessment_reminder",
                    context={
                        "recipient_name": membership.user.display_name,
                        "reference": assessment.proposal.reference or "",
                        "title": assessment.proposal.title,
                        "partition": str(assessment.request.offered_partition.partition),
                        "assessment_path": reverse(
                            "reviews:assessment_detail", args=[assessment.pk]
                        ),
                        "deadline": describe_instant(
                            assessment.deadline, settings.PORTAL_PROGRAMME_TIME_ZONE
                        ),
                    },
                    idempotency_key=f"assessment.remind:{assessment.pk}:{membership.user_id}",
                    about="Technical assessment",
                )
            TechnicalAssessment.objects.filter(pk=assessment.pk).update(reminded_at=now)
            reminded += 1

    late = TechnicalAssessment.objects.filter(status=S.OPEN, deadline__lt=now)
    overdue = 0
    for assessment in late.select_related("proposal", "centre"):
        with transaction.atomic():
            if TechnicalAssessment.objects.filter(pk=assessment.pk, status=S.OPEN).update(
                status=S.OVERDUE
            ):
                activity_record(
                    actor=None,
                    verb="assessment.overdue",
                    target=assessment.proposal,
                    data={"centre": str(assessment.centre), "request": assessment.request_id},
                )
                proposals_waiting_refresh(proposal_ids=[assessment.proposal_id])
                overdue += 1
    return SweepResult(opened=opened, reminded=reminded, overdue=overdue)
