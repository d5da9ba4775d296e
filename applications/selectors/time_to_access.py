"""Reading the time to access of a cut-off's proposals (applications.time_to_access)."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from applications.models import CutOff, CutOffClockCount, Proposal
from applications.modes import ClockStart, defaults_for
from applications.time_to_access import (
    AccessClock,
    CutOffTimeToAccess,
    access_clock,
    cutoff_time_to_access,
)
from applications.working_days import WorkingCalendar, working_calendar


def cutoff_clocks(
    *, cutoff: CutOff, now: datetime, calendar: WorkingCalendar
) -> CutOffTimeToAccess:
    """How many of the cut-off's proposals were decided within the promise, late, or are still
    running or overdue. Reads the cut-off's kept clock counts (one row per day of submission and
    of decision, kept in step by the door), so the work does not grow with the cut-off."""
    rows = CutOffClockCount.objects.filter(cutoff=cutoff, proposal_count__gt=0).values_list(
        "submitted_on", "decided_on", "decided", "proposal_count"
    )
    return _fold(cutoff, rows, now=now, calendar=calendar)


def cutoffs_clocks(
    *, cutoffs, now: datetime, calendar: WorkingCalendar
) -> dict[int, CutOffTimeToAccess]:
    """`cutoff_clocks` of several cut-offs (with their calls loaded) in one query:
    {cut-off id: figures}."""
    rows: dict[int, list] = {cutoff.pk: [] for cutoff in cutoffs}
    for cutoff_id, *row in CutOffClockCount.objects.filter(
        cutoff_id__in=list(rows), proposal_count__gt=0
    ).values_list("cutoff_id", "submitted_on", "decided_on", "decided", "proposal_count"):
        rows[cutoff_id].append(row)
    return {
        cutoff.pk: _fold(cutoff, rows[cutoff.pk], now=now, calendar=calendar) for cutoff in cutoffs
    }


def _fold(cutoff: CutOff, rows, *, now: datetime, calendar: WorkingCalendar) -> CutOffTimeToAccess:
    call = cutoff.call
    starts_at = defaults_for(call.mode).clock_starts_at
    from_cutoff = starts_at == ClockStart.CUTOFF
    cutoff_day = calendar.local_date(cutoff.at)
    started_at_cutoff = now >= cutoff.at
    return cutoff_time_to_access(
        (
            (
                cutoff_day if from_cutoff else submitted_on,
                started_at_cutoff if from_cutoff else True,
                decided_on,
                decided,
                count,
            )
            for submitted_on, decided_on, decided, count in rows
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
