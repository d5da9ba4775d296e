"""Working days of the programme: the arithmetic behind the time to access.

A working day is a date, in the programme's time zone (`PORTAL_PROGRAMME_TIME_ZONE`, Luxembourg's
by default, where the EuroHPC JU sits), that is not a Saturday or a Sunday, not a public holiday
of the programme's seat (`PORTAL_HOLIDAY_COUNTRY` and `PORTAL_HOLIDAY_SUBDIVISION`, from the
`holidays` library) and not a closure day recorded by the programme office (`ClosureDay`).

How days are counted: the day on which a clock starts never counts, whatever the hour, and day 1
is the first working day after it. A proposal submitted on Friday at 17:00 (or at 09:00 that
Friday, or on the Saturday) has Monday as its first working day: with 2 working days promised it
is due on Tuesday, and the promise holds until the next working day begins (Wednesday 00:00 in the
programme's time zone; after a Friday due date, Monday 00:00). Each working day begun after that
is one working day late. A clock that stops on a day counts that day: a decision on Tuesday took
2 working days, one on the Saturday after took as many as one on the Friday before.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from types import MappingProxyType

import holidays
from django.conf import settings
from django.core import checks

_ONE_DAY = timedelta(days=1)


@lru_cache(maxsize=128)
def _public_holidays(country: str, subdivision: str, year: int) -> Mapping[date, str]:
    """The public holidays of one year at the programme's seat, with their names (they do not
    change while the portal runs, so each year is worked out once per process)."""
    found = holidays.country_holidays(country, subdiv=subdivision or None, years=year)
    return MappingProxyType(dict(sorted(found.items())))


class WorkingCalendar:
    """Which days are working days, and the arithmetic on them. Build one per request with
    `working_calendar()`, which reads the closure days once."""

    def __init__(
        self,
        *,
        closure_days: Iterable[date] = (),
        zone: tzinfo | str | None = None,
        country: str | None = None,
        subdivision: str | None = None,
    ):
        zone = zone or settings.PORTAL_PROGRAMME_TIME_ZONE
        self.zone: tzinfo = zoneinfo.ZoneInfo(zone) if isinstance(zone, str) else zone
        self.country = country or settings.PORTAL_HOLIDAY_COUNTRY
        self.subdivision = (
            subdivision if subdivision is not None else settings.PORTAL_HOLIDAY_SUBDIVISION
        )
        self.closure_days = frozenset(closure_days)
        # Worked-out results of arithmetic on this calendar, for callers that ask the same
        # question for many rows (applications.time_to_access: one clock per day of submission
        # and decision, not one per proposal). A calendar lives for one request.
        self.memo: dict = {}

    def public_holidays(self, year: int) -> Mapping[date, str]:
        """{date: name} of the year's public holidays, in date order."""
        return _public_holidays(self.country, self.subdivision, year)

    def is_working_day(self, day: date) -> bool:
        return (
            day.weekday() < 5
            and day not in self.closure_days
            and day not in self.public_holidays(day.year)
        )

    def local_date(self, at: datetime | date) -> date:
        """The programme's date of an instant (a date is taken as it is)."""
        if isinstance(at, datetime):
            return at.astimezone(self.zone).date()
        return at

    def day_start(self, day: date) -> datetime:
        """00:00 of `day` in the programme's time zone, as an aware date-time."""
        return datetime.combine(day, time.min, tzinfo=self.zone)

    def next_working_day(self, after: datetime | date) -> date:
        """The first working day after the day of `after`."""
        day = self.local_date(after) + _ONE_DAY
        while not self.is_working_day(day):
            day += _ONE_DAY
        return day

    def add_working_days(self, start: datetime | date, n: int) -> date:
        """The n-th working day after the day of `start` (that day itself does not count); with
        n = 0, the day of `start`."""
        if n < 0:
            raise ValueError("Only a positive number of working days can be added.")
        day = self.local_date(start)
        for _ in range(n):
            day = self.next_working_day(day)
        return day

    def working_days_between(self, start: datetime | date, end: datetime | date) -> int:
        """How many working days come after the day of `start`, up to and including the day of
        `end`; 0 when `end` falls on or before the day of `start`."""
        day, last = self.local_date(start), self.local_date(end)
        count = 0
        while day < last:
            day += _ONE_DAY
            count += self.is_working_day(day)
        return count


def working_calendar(*, closure_days: Iterable[date] | None = None) -> WorkingCalendar:
    """The programme's calendar, with the closure days read from the database (one query) unless
    they are given."""
    if closure_days is None:
        from applications.models import ClosureDay

        closure_days = ClosureDay.objects.values_list("date", flat=True)
    return WorkingCalendar(closure_days=closure_days)


def holiday_country_name(country: str | None = None) -> str:
    """The name of the country whose public holidays count, for people ("Luxembourg")."""
    from portal.countries import PARTICIPATING_COUNTRIES

    code = country or settings.PORTAL_HOLIDAY_COUNTRY
    return PARTICIPATING_COUNTRIES.get(code, code)


@checks.register(checks.Tags.compatibility)
def check_working_day_settings(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """A country or time zone the portal cannot use would break every officer page: say so at
    start-up instead."""
    errors = []
    try:
        zoneinfo.ZoneInfo(settings.PORTAL_PROGRAMME_TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        errors.append(
            checks.Error(
                f"PORTAL_PROGRAMME_TIME_ZONE {settings.PORTAL_PROGRAMME_TIME_ZONE!r} is not a "
                "time zone name such as Europe/Luxembourg.",
                id="applications.E001",
            )
        )
    try:
        holidays.country_holidays(
            settings.PORTAL_HOLIDAY_COUNTRY,
            subdiv=settings.PORTAL_HOLIDAY_SUBDIVISION or None,
            years=date.today().year,
        )
    except NotImplementedError as exc:
        errors.append(
            checks.Error(
                f"PORTAL_HOLIDAY_COUNTRY / PORTAL_HOLIDAY_SUBDIVISION: {exc}",
                id="applications.E002",
            )
        )
    return errors
