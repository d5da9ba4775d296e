"""The evaluation's part of the demo: the programme office has checked the eligibility of the
proposals of past cut-offs, all but the latest cut-off of each call, which still waits (so the
officer finds work on the eligibility list). Idempotent: only proposals still awaiting are
checked, through the same services an officer uses.

Each step happens at a plausible past moment (applications.demo_clock): the office checks a
proposal a few working hours after its time-to-access clock starts, the centres assess within
about a working day, and decisions mostly come within the promise (`evaluation_moments`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from applications.demo_clock import demo_moment, office_hours_after, office_moment
from applications.models import Call, Proposal
from applications.time_to_access import clock_start
from applications.working_days import WorkingCalendar, working_calendar
from reviews.models import EligibilityCheck
from reviews.selectors.eligibility import awaiting_eligibility
from reviews.services.eligibility import (
    auto_items_pass,
    check_context,
    eligibility_checklist_ensure,
    eligibility_decide,
    eligibility_results,
)

# The applicant reads these; the first names the failed items.
REFUSAL = "The proposal does not meet the call's eligibility conditions: {items}."
# The first proposal checked in each call fails a manual item, so that the demo shows
# a refusal (and its held mail) as well.
REGISTER_REFUSAL = (
    "We could not find the organisation's registration number in the national business "
    "register. Apply again at a later cut-off once the registration is complete."
)


@dataclass(frozen=True)
class EvaluationMoments:
    """When the demo's story checks, assesses and decides one proposal (all in the past)."""

    eligibility: datetime
    assessment: datetime
    decision: datetime


def evaluation_moments(
    proposal: Proposal, *, now: datetime, calendar: WorkingCalendar, late_by: int = 0
) -> EvaluationMoments:
    """The office checks the proposal 2 to 5 office hours after its clock starts (submission, or
    the cut-off on the peer-reviewed path), or took it as recorded if already checked; the
    centres assess 5 to 8 office hours later and the office decides 2 to 3 hours after that:
    within the promise. `late_by` working days past the promise instead, for the story's late
    decision. Whatever would fall after `now` (a cut-off that has only just passed) is spread
    evenly between the clock's start and now, in the same order."""
    start = clock_start(
        mode=proposal.call.mode, submitted_at=proposal.submitted_at, cutoff_at=proposal.cutoff.at
    )
    # Not every proposal takes the same hours (at most 15 office hours in all: within 2 days).
    minute = proposal.submitted_at.minute
    check = EligibilityCheck.objects.filter(proposal=proposal).first()
    eligibility = (
        check.checked_at
        if check
        else office_hours_after(
            start, hours=2 + minute % 3 + minute * 7 % 50 / 60, calendar=calendar
        )
    )
    assessment = office_hours_after(
        eligibility, hours=5 + minute % 3 + minute * 11 % 40 / 60, calendar=calendar
    )
    if late_by:
        promised = proposal.call.days_to_access
        decision = office_moment(
            start,
            working_days=promised + late_by,
            at=time(10 + minute % 4, minute),
            calendar=calendar,
        )
    else:
        decision = office_hours_after(
            assessment, hours=2 + minute * 13 % 45 / 60, calendar=calendar
        )
    latest = now - min(timedelta(minutes=10), (now - start) / 2)
    if decision > latest:
        # Spread what is left evenly up to `latest`, a recorded check staying where it is.
        if check is None or eligibility >= latest:
            eligibility = start + (latest - start) / 4
        step = (latest - eligibility) / 3
        assessment, decision = eligibility + step, eligibility + 2 * step
    return EvaluationMoments(eligibility, assessment, decision)


def eligibility_demo_seed(*, officer) -> int:
    """Check the proposals awaiting eligibility at every past cut-off but each call's latest;
    the number checked."""
    now = timezone.now()
    calendar = working_calendar()
    checked = 0
    for call in Call.objects.prefetch_related("cutoffs"):
        past = [c for c in call.cutoffs.all() if c.at <= now]
        refuse_next = not _checked_before(call)
        for cutoff in past[:-1]:
            proposals = list(awaiting_eligibility(cutoff=cutoff))
            criteria = eligibility_checklist_ensure(call=call)
            context = check_context(proposals=proposals)
            for proposal in proposals:
                results = eligibility_results(proposal=proposal, criteria=criteria, context=context)
                manual = [r.criterion.pk for r in results if not r.is_auto]
                moments = evaluation_moments(proposal, now=now, calendar=calendar)
                # What follows the commit (the assessments opened) happens then too.
                with demo_moment(moments.eligibility), transaction.atomic():
                    if refuse_next:
                        refuse_next = False
                        eligibility_decide(
                            proposal=proposal,
                            outcome="ineligible",
                            by=officer,
                            reason=REGISTER_REFUSAL,
                            ticked=manual[1:],
                        )
                    elif auto_items_pass(results):
                        eligibility_decide(
                            proposal=proposal, outcome="eligible", by=officer, ticked=manual
                        )
                    else:
                        failed = "; ".join(
                            r.criterion.label.lower() for r in results if r.is_auto and not r.passed
                        )
                        eligibility_decide(
                            proposal=proposal,
                            outcome="ineligible",
                            by=officer,
                            reason=REFUSAL.format(items=failed),
                            ticked=manual,
                        )
                checked += 1
    return checked


def _checked_before(call) -> bool:
    return EligibilityCheck.objects.filter(proposal__call=call).exists()
