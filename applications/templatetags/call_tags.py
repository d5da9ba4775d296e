"""Template helpers for calls: deadlines with the zone named, hours, workflow labels."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from django import template

from applications.deadlines import format_deadline
from applications.workflow import workflow_for

register = template.Library()


@register.filter
def deadline(value: datetime | None, tz: str | None = None) -> str:
    """`1 Dec 2026, 10:00 CET (Europe/Brussels)` in the viewer's zone (or the zone given)."""
    return format_deadline(value, tz or None)


@register.filter
def iso_utc(value: datetime | None) -> str:
    """Machine-readable UTC instant for <time datetime=...> and the countdown script."""
    if value is None:
        return ""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@register.filter
def hours(value) -> str:
    """Whole hours with thin grouping: 50000 -> 50,000; None -> no limit."""
    if value is None or value == "":
        return "no limit"
    number = Decimal(value)
    if number == number.to_integral_value():
        return f"{int(number):,}"
    return f"{number:,.2f}"


@register.filter
def percent_of(value, total) -> int:
    """Share of `value` in `total`, as a whole percentage (0 when there is no total)."""
    try:
        total = Decimal(total or 0)
        if total <= 0:
            return 0
        share = Decimal(value or 0) * 100 / total
        return int(share.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    except (TypeError, ArithmeticError, ValueError):
        return 0


def _phase(proposal):
    try:
        return workflow_for(proposal.call).phase(proposal.status)
    except KeyError:  # a state its path does not know (data repaired by hand): plain label
        return None


@register.filter
def staff_status(proposal) -> str:
    """A proposal's state as staff call it on its call's evaluation path."""
    phase = _phase(proposal)
    return phase.staff_label if phase else proposal.get_status_display()


@register.filter
def applicant_status(proposal) -> str:
    phase = _phase(proposal)
    return phase.applicant_label if phase else proposal.get_status_display()
