"""Deadlines: written with the zone named, and continuous schedules laid out in local time."""

import zoneinfo
from datetime import UTC, datetime, time

import pytest

from applications.deadlines import format_deadline, monthly_schedule

BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")


def test_deadline_names_the_zone():
    at = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    assert format_deadline(at, "Europe/Brussels") == "1 Dec 2026, 10:00 CET (Europe/Brussels)"
    assert format_deadline(at, "Europe/Helsinki") == "1 Dec 2026, 11:00 EET (Europe/Helsinki)"


def test_schedule_keeps_local_time_across_daylight_saving():
    opens = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
    closes = datetime(2026, 4, 30, 0, 0, tzinfo=UTC)
    found = monthly_schedule(
        days_of_month=[15, 1], clock=time(10, 0), tz="Europe/Brussels", after=opens, until=closes
    )
    assert [at.astimezone(BRUSSELS).strftime("%d %b %H:%M") for at in found] == [
        "01 Mar 10:00",
        "15 Mar 10:00",
        "01 Apr 10:00",
        "15 Apr 10:00",
    ]
    # Stored in UTC: one hour earlier in winter, two in summer.
    assert found[0] == datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    assert found[2] == datetime(2026, 4, 1, 8, 0, tzinfo=UTC)


def test_schedule_stays_inside_the_window():
    opens = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)  # exactly the first candidate: excluded
    closes = datetime(2026, 3, 15, 9, 0, tzinfo=UTC)  # exactly the last: included
    found = monthly_schedule(
        days_of_month=[1, 15], clock=time(10, 0), tz="Europe/Brussels", after=opens, until=closes
    )
    assert found == [closes]


def test_schedule_refuses_days_some_months_lack():
    with pytest.raises(ValueError, match="between 1 and 28"):
        monthly_schedule(
            days_of_month=[31],
            clock=time(10, 0),
            tz="UTC",
            after=datetime(2026, 1, 1, tzinfo=UTC),
            until=datetime(2026, 6, 1, tzinfo=UTC),
        )
