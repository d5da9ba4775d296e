"""Working days of the programme: weekends, Luxembourg's public holidays, the officers' closure
days, and the programme's time zone deciding which day an instant falls on."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import checks

from applications.models import ClosureDay
from applications.working_days import (
    WorkingCalendar,
    check_working_day_settings,
    working_calendar,
)

LUX = ZoneInfo("Europe/Luxembourg")
UTC = ZoneInfo("UTC")


@pytest.fixture
def calendar():
    return WorkingCalendar(zone="Europe/Luxembourg", country="LU", subdivision="")


def test_weekends_are_not_working_days(calendar):
    assert calendar.is_working_day(date(2026, 12, 11))  # Friday
    assert not calendar.is_working_day(date(2026, 12, 12))  # Saturday
    assert not calendar.is_working_day(date(2026, 12, 13))  # Sunday
    assert calendar.next_working_day(date(2026, 12, 11)) == date(2026, 12, 14)


def test_luxembourgs_public_holidays_are_not_working_days(calendar):
    assert not calendar.is_working_day(date(2026, 6, 23))  # National Day, a Tuesday
    assert not calendar.is_working_day(date(2026, 5, 14))  # Ascension Day
    assert not calendar.is_working_day(date(2026, 12, 25))  # Christmas, a Friday
    assert calendar.is_working_day(date(2026, 12, 24))  # Christmas Eve is not a holiday there
    assert calendar.public_holidays(2026)[date(2026, 5, 9)] == "Europe Day"


def test_the_country_is_a_setting(settings):
    settings.PORTAL_HOLIDAY_COUNTRY = "DE"
    german = WorkingCalendar(closure_days=())
    assert german.is_working_day(date(2026, 6, 23))  # not a holiday in Germany
    assert not german.is_working_day(date(2026, 10, 3))  # German Unity Day... a Saturday
    assert not german.is_working_day(date(2026, 12, 25))


def test_adding_working_days_skips_weekends_holidays_and_closure_days():
    plain = WorkingCalendar(zone=LUX, country="LU")
    # Wednesday 23 Dec: Thursday 24 is day 1, then Christmas (Fri), the weekend, Monday 28.
    assert plain.add_working_days(date(2026, 12, 23), 2) == date(2026, 12, 28)
    closed = WorkingCalendar(zone=LUX, country="LU", closure_days=[date(2026, 12, 28)])
    assert closed.add_working_days(date(2026, 12, 23), 2) == date(2026, 12, 29)
    # Ten working days from Friday 11 Dec, over Christmas; fourteen, over New Year's Day too.
    assert plain.add_working_days(date(2026, 12, 11), 10) == date(2026, 12, 28)
    assert plain.add_working_days(date(2026, 12, 11), 13) == date(2026, 12, 31)
    assert plain.add_working_days(date(2026, 12, 11), 14) == date(2027, 1, 4)
    assert plain.add_working_days(date(2026, 12, 11), 0) == date(2026, 12, 11)
    with pytest.raises(ValueError):
        plain.add_working_days(date(2026, 12, 11), -1)


def test_counting_working_days_between_two_dates(calendar):
    # After Friday 11 Dec up to and including Tuesday 15: Monday and Tuesday.
    assert calendar.working_days_between(date(2026, 12, 11), date(2026, 12, 15)) == 2
    assert calendar.working_days_between(date(2026, 12, 11), date(2026, 12, 13)) == 0  # weekend
    assert calendar.working_days_between(date(2026, 12, 11), date(2026, 12, 11)) == 0
    assert calendar.working_days_between(date(2026, 12, 15), date(2026, 12, 11)) == 0
    # The whole of December after the 1st: 22 weekdays, less Christmas (a Friday).
    assert calendar.working_days_between(date(2026, 12, 1), date(2026, 12, 31)) == 21


def test_a_late_friday_submission_starts_counting_on_monday(calendar):
    """The day of the start never counts, whatever the hour: Friday 17:00 and Friday 09:00 are
    both due on the second working day after Friday."""
    friday_late = datetime(2026, 12, 11, 17, 0, tzinfo=LUX)
    friday_early = datetime(2026, 12, 11, 9, 0, tzinfo=LUX)
    saturday = datetime(2026, 12, 12, 11, 0, tzinfo=LUX)
    for start in (friday_late, friday_early, saturday):
        assert calendar.add_working_days(start, 1) == date(2026, 12, 14)
        assert calendar.add_working_days(start, 2) == date(2026, 12, 15)


def test_the_programmes_time_zone_decides_the_day(calendar):
    """23:30 UTC on Thursday is already Friday in Luxembourg: the clock starts from Friday."""
    thursday_utc = datetime(2026, 12, 10, 23, 30, tzinfo=UTC)
    assert calendar.local_date(thursday_utc) == date(2026, 12, 11)
    assert calendar.add_working_days(thursday_utc, 2) == date(2026, 12, 15)
    in_utc = WorkingCalendar(zone="UTC", country="LU")
    assert in_utc.add_working_days(thursday_utc, 2) == date(2026, 12, 14)
    # A decision at 00:30 on Tuesday, Luxembourg time (Monday in UTC), counts Tuesday.
    tuesday = datetime(2026, 12, 14, 23, 30, tzinfo=UTC)
    assert calendar.working_days_between(thursday_utc, tuesday) == 2


def test_summer_time_is_followed(calendar):
    """In summer Luxembourg is UTC+2: 22:30 UTC on Friday is Saturday there."""
    assert calendar.local_date(datetime(2026, 7, 10, 22, 30, tzinfo=UTC)) == date(2026, 7, 11)
    assert calendar.local_date(datetime(2026, 12, 11, 22, 30, tzinfo=UTC)) == date(2026, 12, 11)
    assert calendar.day_start(date(2026, 7, 11)).astimezone(UTC).hour == 22


@pytest.mark.django_db
def test_the_calendar_reads_the_closure_days_once(django_assert_num_queries):
    ClosureDay.objects.create(date=date(2026, 12, 28), reason="Office closed")
    ClosureDay.objects.create(date=date(2026, 12, 29), reason="Office closed")
    with django_assert_num_queries(1):
        calendar = working_calendar()
        assert calendar.add_working_days(date(2026, 12, 23), 2) == date(2026, 12, 30)
        assert calendar.working_days_between(date(2026, 12, 23), date(2026, 12, 31)) == 3


@pytest.mark.django_db
def test_with_a_frozen_clock_today_is_the_programmes_today():
    calendar = working_calendar()
    with time_machine.travel(datetime(2026, 12, 11, 23, 30, tzinfo=UTC), tick=False):
        from django.utils import timezone

        assert calendar.local_date(timezone.now()) == date(2026, 12, 12)  # Saturday there
        assert calendar.next_working_day(timezone.now()) == date(2026, 12, 14)


def test_settings_the_portal_cannot_use_fail_the_system_check(settings):
    assert check_working_day_settings() == []
    settings.PORTAL_HOLIDAY_COUNTRY = "XX"
    settings.PORTAL_PROGRAMME_TIME_ZONE = "Europe/Atlantis"
    errors = check_working_day_settings()
    assert {e.id for e in errors} == {"applications.E001", "applications.E002"}
    assert all(e.level == checks.ERROR for e in errors)
    settings.PORTAL_HOLIDAY_COUNTRY = "LU"
    settings.PORTAL_HOLIDAY_SUBDIVISION = "ZZ"
    assert "subdivision" in check_working_day_settings()[1].msg
