"""The demo's clock: a past moment for one step of the story, office hours on working days."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from applications.demo_clock import demo_moment, office_hours_after, office_moment
from applications.working_days import WorkingCalendar

LUX = ZoneInfo("Europe/Luxembourg")
CALENDAR = WorkingCalendar(zone=LUX, country="LU", subdivision="")


def test_the_services_read_the_moved_clock_and_get_the_real_one_back():
    real = timezone.now()
    moment = real - timedelta(days=30)
    with demo_moment(moment):
        assert timezone.now() == moment
        assert datetime.now(tz=LUX) == moment  # mails and files read it too
    assert timezone.now() >= real


def test_the_demo_never_writes_the_future():
    with (
        pytest.raises(ValueError, match="after now"),
        demo_moment(timezone.now() + timedelta(hours=1)),
    ):
        pass


@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        # Within the day.
        (datetime(2026, 11, 26, 10, 0), 3, datetime(2026, 11, 26, 13, 0)),
        # Friday 16:00 + 3 office hours: 2 on Friday, 1 on Monday.
        (datetime(2026, 11, 27, 16, 0), 3, datetime(2026, 11, 30, 10, 0)),
        # Saturday at night: counted from Monday's opening.
        (datetime(2026, 11, 28, 1, 4), 2.5, datetime(2026, 11, 30, 11, 30)),
        # Before the opening on a working day, and Christmas (a public holiday) skipped.
        (datetime(2026, 12, 24, 7, 0), 10, datetime(2026, 12, 28, 10, 0)),
    ],
)
def test_office_hours_count_working_days_from_nine_to_six(start, hours, expected):
    found = office_hours_after(start.replace(tzinfo=LUX), hours=hours, calendar=CALENDAR)
    assert found == expected.replace(tzinfo=LUX)


def test_an_office_moment_is_the_nth_working_day_after():
    found = office_moment(
        datetime(2026, 10, 30, 4, 19, tzinfo=LUX),
        working_days=4,
        at=datetime(2000, 1, 1, 13, 19).time(),
        calendar=CALENDAR,
    )
    # Friday 30 Oct: Monday 2, Tuesday 3, Wednesday 4, Thursday 5 Nov.
    assert found == datetime(2026, 11, 5, 13, 19, tzinfo=LUX)
    assert found.date() == date(2026, 11, 5)
