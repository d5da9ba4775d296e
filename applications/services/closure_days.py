"""Closure days: days the programme office records as not working, beyond weekends and public
holidays (applications.working_days). Officers add and remove them; each change is logged."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from applications.models import ClosureDay
from applications.working_days import WorkingCalendar, holiday_country_name
from portal.services.activity import activity_record
from portal.validators import model_field_errors

# Far enough for planning and for correcting the recent past; beyond it a date is a typo.
YEARS_EITHER_WAY = 5


def _day(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


@transaction.atomic
def closure_day_add(*, day: date, reason: str, by) -> ClosureDay:
    """Record `day` as a closure day. Refused, with the reason by field: a day already closed
    (a weekend, a public holiday, a closure day already recorded), a day more than five years
    away, an empty reason."""
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    calendar = WorkingCalendar()
    today = calendar.local_date(timezone.now())
    if not reason:
        errors["reason"] = ["Say why the office is closed that day."]
    else:
        errors.update(model_field_errors(ClosureDay, {"reason": reason}))
    if abs(day.year - today.year) > YEARS_EITHER_WAY:
        errors["date"] = [
            f"Pick a day between {today.year - YEARS_EITHER_WAY} and "
            f"{today.year + YEARS_EITHER_WAY}."
        ]
    elif day.weekday() >= 5:
        errors["date"] = [f"{_day(day)} is a weekend day: it is never a working day."]
    elif day in calendar.public_holidays(day.year):
        name = calendar.public_holidays(day.year)[day]
        errors["date"] = [
            f"{_day(day)} is a public holiday in {holiday_country_name()} ({name}): it is "
            "never a working day."
        ]
    elif ClosureDay.objects.filter(date=day).exists():
        errors["date"] = [f"{_day(day)} is already a closure day."]
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            closure = ClosureDay.objects.create(date=day, reason=reason, created_by=by)
    except IntegrityError:  # recorded by another officer a moment ago
        raise ValidationError({"date": [f"{_day(day)} is already a closure day."]}) from None
    activity_record(
        actor=by,
        verb="closure_day.add",
        target=closure,
        data={"date": day.isoformat(), "reason": reason},
    )
    return closure


@transaction.atomic
def closure_day_remove(*, closure_day: ClosureDay, by) -> None:
    """Make the day a working day again (unless it is a weekend or a public holiday)."""
    activity_record(
        actor=by,
        verb="closure_day.remove",
        target=closure_day,
        data={"date": closure_day.date.isoformat(), "reason": closure_day.reason},
    )
    closure_day.delete()
