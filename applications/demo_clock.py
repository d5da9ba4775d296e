"""The demo's clock: each step of the demo's evaluation story runs at the past moment it happened.

The demo tells a past story (proposals submitted at cut-offs weeks ago, checked, assessed and
decided since) through the real services, and those stamp everything they write with
`django.utils.timezone.now()`: the door's decision time, activity entries, mails, assessment
deadlines and the kept counts. Moving the whole process's clock for one step (time-machine) lets
the services write what they would have written then, so the time to access, the audit trail
and the counts read as they would in a real programme, with no timestamp rewritten afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, time, timedelta

import time_machine
from django.utils import timezone

from applications.working_days import WorkingCalendar

# The programme office's working hours, in the programme's time zone: the demo's staff act then.
OFFICE_OPENS = time(9, 0)
OFFICE_CLOSES = time(18, 0)


@contextmanager
def demo_moment(at: datetime) -> Iterator[datetime]:
    """Run what follows as if it were `at` (a past moment), the clock standing still. Refuses a
    moment after now: the demo never writes the future."""
    now = timezone.now()
    if at > now:
        raise ValueError(f"The demo's moment {at.isoformat()} is after now ({now.isoformat()}).")
    with time_machine.travel(at, tick=False):
        yield at


def office_hours_after(start: datetime, *, hours: float, calendar: WorkingCalendar) -> datetime:
    """The moment `hours` of office hours (working days, 09:00 to 18:00 in the programme's time
    zone) after `start`; a start outside office hours counts from the next opening."""
    local = start.astimezone(calendar.zone).replace(second=0, microsecond=0)
    day, clock = local.date(), local.time()
    if not calendar.is_working_day(day) or clock >= OFFICE_CLOSES:
        day, clock = calendar.next_working_day(day), OFFICE_OPENS
    clock = max(clock, OFFICE_OPENS)
    left = timedelta(hours=hours)
    while True:
        opened = datetime.combine(day, clock, tzinfo=calendar.zone)
        closes = datetime.combine(day, OFFICE_CLOSES, tzinfo=calendar.zone)
        if opened + left <= closes:
            return (opened + left).replace(second=0, microsecond=0)
        left -= closes - opened
        day, clock = calendar.next_working_day(day), OFFICE_OPENS


def office_moment(day_after: datetime, *, working_days: int, at: time, calendar) -> datetime:
    """`at` o'clock on the n-th working day after the day of `day_after` (programme time)."""
    day = calendar.add_working_days(day_after, working_days)
    return datetime.combine(day, at, tzinfo=calendar.zone)
