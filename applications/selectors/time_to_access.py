"""Reading the time to access of a cut-off's proposals (applications.time_to_access)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import BooleanField, Case, Count, Value, When
from django.db.models.functions import TruncDate
from django.utils import timezone

from applications.models import CutOff, Proposal
from applications.modes import ClockStart, defaults_for
from applications.selectors.proposals import read_by_programme_office
from applications.time_to_access import (
    WITHOUT_CLOCK,
    AccessClock,
    CutOffTimeToAccess,
    access_clock,
    cutoff_time_to_access,
    decided_statuses,
)
from applications.working_days import WorkingCalendar, working_calendar


def cutoff_clocks(
    *, cutoff: CutOff, now: datetime, calendar: WorkingCalendar
) -> CutOffTimeToAccess:
    """How many of the cut-off's proposals were decided within the promise, late, or are still
    running or overdue. One query, grouped by the programme's day of submission and of decision:
    proposals that share both days share a clock, so the work does not grow with the cut-off."""
    call = cutoff.call
    starts_at = defaults_for(call.mode).clock_starts_at
    from_cutoff = starts_at == ClockStart.CUTOFF
    groups = {
        "decided_day": TruncDate("decided_at", tzinfo=calendar.zone),
        "decided": Case(
            When(status__in=decided_statuses(call.mode), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    }
    if not from_cutoff:
        groups["start_day"] = TruncDate("submitted_at", tzinfo=calendar.zone)
    rows = (
        Proposal.objects.filter(read_by_programme_office(), cutoff=cutoff)
        .exclude(status__in=WITHOUT_CLOCK)
        .annotate(**groups)
        .values(*groups)
        .annotate(n=Count("pk"))
        .order_by()
    )
    cutoff_day = calendar.local_date(cutoff.at)
    started_at_cutoff = now >= cutoff.at
    return cutoff_time_to_access(
        (
            (
                cutoff_day if from_cutoff else row["start_day"],
                started_at_cutoff if from_cutoff else True,
                row["decided_day"],
                row["decided"],
                row["n"],
            )
            for row in rows
        ),
        promised=call.days_to_access,
        starts_at=starts_at,
        today=calendar.local_date(now),
        calendar=calendar,
    )


def proposal_clock(
    *, proposal: Proposal, now: datetime | None = None, calendar: WorkingCalendar | None = None
) -> AccessClock | None:
    """The time-to-access clock of one proposal (None for a draft or a withdrawn proposal)."""
    return access_clock(
        mode=proposal.call.mode,
        promised=proposal.call.days_to_access,
        status=proposal.status,
        submitted_at=proposal.submitted_at,
        cutoff_at=proposal.cutoff.at,
        decided_at=proposal.decided_at,
        now=now or timezone.now(),
        calendar=calendar or working_calendar(),
    )
