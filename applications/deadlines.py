"""Deadlines: how a cut-off time is written for people, and how a continuous schedule is laid out.

Cut-offs are stored in UTC. People read them in their own time zone with the zone named, e.g.
"1 Dec 2026, 10:00 CET (Europe/Brussels)", so nobody has to guess which 10:00 is meant.
"""

from __future__ import annotations

import calendar
import zoneinfo
from collections.abc import Iterable
from datetime import date, datetime, time, tzinfo

from django.utils import timezone


def _zone(tz: tzinfo | str | None) -> tzinfo:
    if tz is None:
        return timezone.get_current_timezone()
    if isinstance(tz, str):
        return zoneinfo.ZoneInfo(tz)
    return tz


def zone_name(tz: tzinfo) -> str:
    return getattr(tz, "key", None) or str(tz)


def format_deadline(value: datetime | None, tz: tzinfo | str | None = None) -> str:
    """`value` in `tz` (default: the active zone, i.e. the viewer's), with the zone named:
    `1 Dec 2026, 10:00 CET (Europe/Brussels)`. Times are shown to the minute everywhere."""
    if value is None:
        return ""
    zone = _zone(tz)
    local = value.astimezone(zone)
    return f"{local.day} {local:%b %Y}, {local:%H:%M} {local.tzname()} ({zone_name(zone)})"


def local_to_utc(day: date, clock: time, tz: tzinfo | str) -> datetime:
    """The UTC instant of a wall-clock time in `tz` (the earlier one when the clock goes back)."""
    local = datetime.combine(day, clock).replace(tzinfo=_zone(tz))
    return local.astimezone(zoneinfo.ZoneInfo("UTC"))


def monthly_schedule(
    *,
    days_of_month: Iterable[int],
    clock: time,
    tz: tzinfo | str,
    after: datetime,
    until: datetime,
) -> list[datetime]:
    """Cut-offs on the given days of each month at `clock` local time, in (after, until], in UTC.

    Days must be 1-28 so that every month has them.
    """
    days = sorted(set(days_of_month))
    if not days:
        return []
    if days[0] < 1 or days[-1] > 28:
        raise ValueError("Days of the month must be between 1 and 28.")
    zone = _zone(tz)
    first_local = after.astimezone(zone)
    last_local = until.astimezone(zone)
    year, month = first_local.year, first_local.month
    found: list[datetime] = []
    while (year, month) <= (last_local.year, last_local.month):
        for day in days:
            if day > calendar.monthrange(year, month)[1]:
                continue
            at = local_to_utc(date(year, month, day), clock, zone)
            if after < at <= until:
                found.append(at)
        month += 1
        if month == 13:
            year, month = year + 1, 1
    return found
