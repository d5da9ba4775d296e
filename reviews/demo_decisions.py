"""Demo data of first-come-first-served decisions: on the Playground and Fast Lane cut-offs that
have passed, the centres assess and the programme office decides in submission order: awards
(hours reserved in the cut-off's pools), a rejection carrying the assessment's comment, a
waitlisted proposal; one proposal waits for its decision and one for the demo assessor. The
first award's mail is released (delivered); the other decision mails wait, held, on the
cut-off's mail page.

Each step happens at its moment of the story (reviews.demo.evaluation_moments): most decisions
come within the time-to-access promise, one comes late (LATE_BY), so that the officer's figures
show both.

Idempotent: once a first-come-first-served proposal is decided, the chapter does nothing.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from allocations.models import Centre, CentreMembership
from applications.demo_clock import demo_moment, office_hours_after
from applications.models import Call, Proposal, ProposalStatus
from applications.modes import AccessMode, EvaluationPath, defaults_for
from applications.services.decision_mails import cutoff_mail_batch
from applications.working_days import working_calendar
from portal.models import Notification
from portal.services.notifications import notifications_release
from reviews.demo import evaluation_moments
from reviews.demo_assessments import DEMO_ASSESSOR_EMAIL
from reviews.models import TechnicalAssessment
from reviews.selectors.eligibility import awaiting_eligibility
from reviews.services.assessments import (
    REMINDER_BEFORE,
    assessment_submit,
    assessments_open,
    assessments_sweep,
    review_start_if_fcfs,
)
from reviews.services.decisions import (
    proposal_award,
    proposal_reject,
    proposal_waitlist,
    request_lines,
)
from reviews.services.eligibility import eligibility_decide

S = ProposalStatus
DECIDED = (S.AWARDED, S.WAITLISTED, S.REJECTED, S.ACCEPTED, S.DECLINED, S.LAPSED)
# What happens to the proposals in submission order; the last one always waits for its decision.
ROLES = ("award", "reject", "waitlist", "award", "award")
# Decisions (by their place in ROLES) that come this many working days after the promise: the
# waitlisting waited for capacity to free up, an award for a second look at the pools.
LATE_BY = {2: 2, 3: 1}
TO_APPLICANT = {
    "feasible": (
        "Feasible as planned. Jobs are limited to 48 hours on this partition: checkpoint at "
        "least every 4 hours."
    ),
    "reject": (
        "Not feasible as planned: the model does not fit in the 64 GB of one device and the "
        "plan has no model parallelism. Plan tensor or pipeline parallelism across 4 devices "
        "and apply again."
    ),
}
TO_PANEL = "Queue times grow before the holidays; the recommended hours are realistic."
REJECTION = (
    "The technical assessment found the work not feasible on the requested partition as "
    "planned; the centre's comment below says what to change."
)
WAITLISTING = "The hours of this cut-off are committed to proposals submitted earlier."


def _fcfs_modes() -> list[str]:
    return [m for m in AccessMode.values if defaults_for(m).path == EvaluationPath.FCFS]


def _centre_assessor(centre: Centre, demo_assessor):
    """The demo assessor for their centre; for the other centres a staff member without a
    login of the demo (only their assessments are seen)."""
    if (
        demo_assessor is not None
        and CentreMembership.objects.filter(
            centre=centre, user=demo_assessor, role=CentreMembership.Role.TECHNICAL_ASSESSOR
        ).exists()
    ):
        return demo_assessor
    users = get_user_model().objects
    email = f"assessor.{centre.short_name.lower()}@centres.demo.example"
    user = users.filter(email=email).first()
    if user is None:
        user = users.create(email=email, first_name="Assessor", last_name=centre.short_name)
        user.set_unusable_password()
        user.save(update_fields=["password"])
    CentreMembership.objects.get_or_create(
        centre=centre, user=user, role=CentreMembership.Role.TECHNICAL_ASSESSOR
    )
    return user


def _one_more_eligible(officer, now, calendar) -> None:
    """At each first-come-first-served call's latest passed cut-off, the first proposal
    awaiting eligibility is found eligible, if another still waits (the officer's work)."""
    for call in Call.objects.filter(mode__in=_fcfs_modes()):
        passed = call.cutoffs.filter(at__lte=now).order_by("-at").first()
        if passed is None:
            continue
        waiting = list(awaiting_eligibility(cutoff=passed)[:2])
        if len(waiting) == 2:
            ticked = waiting[0].call.eligibility_criteria.filter(kind="manual")
            moments = evaluation_moments(waiting[0], now=now, calendar=calendar)
            with demo_moment(moments.eligibility), transaction.atomic():
                eligibility_decide(
                    proposal=waiting[0],
                    outcome="eligible",
                    by=officer,
                    ticked=ticked.values_list("pk", flat=True),
                )


def _assess(proposal: Proposal, demo_assessor, *, feasible: bool) -> None:
    waiting = TechnicalAssessment.objects.filter(proposal=proposal).exclude(
        status=TechnicalAssessment.Status.SUBMITTED
    )
    for assessment in waiting.select_related("request", "centre"):
        hours = assessment.request.hours
        assessment_submit(
            assessment=assessment,
            by=_centre_assessor(assessment.centre, demo_assessor),
            outcome=(
                TechnicalAssessment.Outcome.FEASIBLE_WITH_CHANGES
                if feasible
                else TechnicalAssessment.Outcome.NOT_FEASIBLE
            ),
            recommended_hours=(hours * 9 // 10) if feasible else 0,
            comment_to_applicant=TO_APPLICANT["feasible" if feasible else "reject"],
            comment_to_panel=TO_PANEL,
        )


def _decide(proposal: Proposal, role: str, officer) -> str:
    if role == "reject":
        proposal_reject(proposal=proposal, by=officer, reason=REJECTION)
        return role
    if role == "award":
        hours = {
            line.request.pk: line.recommended
            for line in request_lines(proposal)
            if line.pool is not None and line.recommended
        }
        if hours:
            try:
                with transaction.atomic():
                    proposal_award(proposal=proposal, by=officer, hours=hours)
                return role
            except ValidationError:  # the pool is full: the story waitlists it
                pass
    proposal_waitlist(proposal=proposal, by=officer, reason=WAITLISTING)
    return "waitlist"


def decision_demo_seed(*, officer, assessor_email: str = DEMO_ASSESSOR_EMAIL, now=None) -> dict:
    """Decide the passed first-come-first-served cut-offs' proposals under assessment; the
    number of proposals per outcome (empty when the demo already has decisions)."""
    now = now or timezone.now()
    fcfs = Proposal.objects.filter(call__mode__in=_fcfs_modes())
    if fcfs.filter(status__in=DECIDED).exists():
        return {}
    demo_assessor = get_user_model().objects.filter(email=assessor_email).first()
    assessor_centres = set(
        CentreMembership.objects.filter(
            user=demo_assessor, role=CentreMembership.Role.TECHNICAL_ASSESSOR
        ).values_list("centre_id", flat=True)
    )
    calendar = working_calendar()
    _one_more_eligible(officer, now, calendar)
    candidates = list(
        fcfs.filter(status__in=(S.ELIGIBLE, S.IN_REVIEW), cutoff__at__lte=now)
        .select_related("call", "cutoff")
        .order_by("submitted_at", "pk")
    )
    # Opened and taken into assessment when found eligible (the door's receiver does it after
    # the commit; here for what it has not done).
    for proposal in candidates:
        moments = evaluation_moments(proposal, now=now, calendar=calendar)
        with demo_moment(moments.eligibility), transaction.atomic():
            assessments_open(proposal=proposal)
            review_start_if_fcfs(proposal=Proposal.objects.get(pk=proposal.pk))
    # The demo assessor keeps the latest proposal on their centre to assess.
    for_assessor = next(
        (
            p
            for p in reversed(candidates)
            if p.technical_assessments.filter(centre_id__in=assessor_centres)
            .exclude(status=TechnicalAssessment.Status.SUBMITTED)
            .exists()
        ),
        None,
    )
    planned = [p for p in candidates if p != for_assessor]
    due = planned.pop() if len(planned) > 1 else None
    outcomes: dict[str, int] = {}
    first_award = None
    released_at = None
    for place, (proposal, role) in enumerate(zip(planned, ROLES, strict=False)):
        moments = evaluation_moments(
            proposal, now=now, calendar=calendar, late_by=LATE_BY.get(place, 0)
        )
        with demo_moment(moments.assessment), transaction.atomic():
            _assess(proposal, demo_assessor, feasible=role != "reject")
        with demo_moment(moments.decision), transaction.atomic():
            done = _decide(Proposal.objects.get(pk=proposal.pk), role, officer)
        outcomes[done] = outcomes.get(done, 0) + 1
        if done == "award" and first_award is None:
            first_award = proposal
            # The officer reads the award's letter over and sends it an hour later.
            released_at = min(
                office_hours_after(moments.decision, hours=1, calendar=calendar),
                moments.decision + (now - moments.decision) / 2,
            )
    if due is not None:
        moments = evaluation_moments(due, now=now, calendar=calendar)
        with demo_moment(moments.assessment), transaction.atomic():
            _assess(due, demo_assessor, feasible=True)
        outcomes["due"] = 1
    if first_award is not None:
        mails = Notification.objects.filter(
            batch=cutoff_mail_batch(first_award.cutoff_id),
            status=Notification.Status.HELD,
            idempotency_key__startswith=f"decision-mail:{first_award.pk}:",
        )
        with demo_moment(released_at):
            notifications_release(by=officer, notifications=list(mails))
    _sweeps_as_they_ran(now)
    return outcomes


def _sweeps_as_they_ran(now) -> None:
    """The periodic sweep, at the moments it would have found the assessments still open: the
    centre's reminder the day before the deadline, the assessment overdue just after it (so
    the officer's figures do not call an assessment weeks past its deadline on time)."""
    open_ = TechnicalAssessment.objects.filter(status=TechnicalAssessment.Status.OPEN)
    for deadline in sorted(set(open_.filter(deadline__lt=now).values_list("deadline", flat=True))):
        for moment in (
            deadline - REMINDER_BEFORE + timedelta(hours=4),
            deadline + timedelta(minutes=5),
        ):
            with demo_moment(min(moment, now)):
                assessments_sweep()


def decision_demo_chapter(*, officer) -> None:
    """The demo's decision chapter (applications.hooks.demo_chapters), after the assessments."""
    decision_demo_seed(officer=officer)
