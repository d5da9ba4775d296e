"""The rows of the officer's list of submitted proposals, written in Python: fifty rows of a dozen
template nodes each cost more than the rest of the page, and a list page should cost little more
than its queries. The markup is the table's in officer_cutoff.html; every value is escaped with
the standard library's html.escape (what Django's escape calls, without its lazy-string wrapper).
"""

from __future__ import annotations

from html import escape

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from applications.deadlines import format_deadline
from applications.models import WaitingOn
from applications.selectors.calls import SubmittedRow
from applications.templatetags.call_tags import hours as format_hours
from applications.time_to_access import AccessClock, ClockState

register = template.Library()

_PK = 987654321  # stands for the proposal's id in the detail URL, reversed once per page


def _detail_url(context) -> str:
    """The proposal page's URL with {} for the id, reversed once per render of the page."""
    cache = context.render_context
    if "submitted_proposal_url" not in cache:
        url = reverse("reviews:officer_proposal", kwargs={"pk": _PK})
        cache["submitted_proposal_url"] = escape(url).replace(str(_PK), "{}")
    return cache["submitted_proposal_url"]


# How each state of the time-to-access clock is marked (colour alone never carries the meaning:
# the words say it too).
_CLOCK_CLASSES = {
    ClockState.OVERDUE: "text-danger fw-semibold",
    ClockState.DECIDED_LATE: "text-danger",
    ClockState.DUE: "text-warning-emphasis fw-semibold",
    ClockState.DECIDED_IN_TIME: "text-success",
}


def clock_cell(clock: AccessClock | None) -> str:
    """The "Time to access" cell: the headline and, below it, its dates."""
    label = '<span class="d-md-none text-muted">Time to access: </span>'
    if clock is None:
        return f'<td class="small">{label}<span class="text-muted">—</span></td>'
    css = _CLOCK_CLASSES.get(clock.state, "")
    return (
        f'<td class="small" data-clock="{escape(clock.state)}">{label}'
        f'<span class="{css}">{escape(clock.headline)}</span>'
        f' <span class="text-muted text-nowrap">({escape(clock.detail)})</span></td>'
    )


# What the "Waiting on" cell says for each value (the assessment's names its centres).
_WAITING_WORDS = {
    WaitingOn.ELIGIBILITY: '<span class="text-warning-emphasis">Eligibility check</span>',
    WaitingOn.DECISION: '<span class="text-warning-emphasis fw-semibold">Decision</span>',
    WaitingOn.PANEL: "Panel ranking",  # "reply in" says nothing the status does not
    WaitingOn.DECIDED: '<span class="text-muted">Decided</span>',
    WaitingOn.NOTHING: '<span class="text-muted">—</span>',
}


# Those whose `waiting_for` says how far it is, in words of the portal's own.
_WAITING_IN_WORDS = {WaitingOn.REVIEWS: "Peer review", WaitingOn.REPLY: "Right of reply"}


def waiting_cell(row: SubmittedRow) -> str:
    """The "Waiting on" cell: whose move it is, and for an assessment which centres (overdue
    ones marked in words, "CSC (overdue)", not by colour alone)."""
    label = '<span class="d-md-none text-muted">Waiting on: </span>'
    words = _WAITING_WORDS.get(row.waiting_on)
    if row.waiting_on in _WAITING_IN_WORDS:  # "Peer review: 1 of 3 reviews in"
        who = f": {escape(row.waiting_for)}" if row.waiting_for else ""
        words = f"{_WAITING_IN_WORDS[row.waiting_on]}{who}"
    elif words is None:  # a technical assessment, by the centres named
        # The word is marked when one is overdue; the centres say which ("CSC (overdue)").
        who = f" by <bdi>{escape(row.waiting_for)}</bdi>" if row.waiting_for else ""
        if row.waiting_on == WaitingOn.ASSESSMENT_OVERDUE:
            words = f'<span class="text-danger fw-semibold">Assessment</span>{who}'
        else:
            words = f"Assessment{who}"
    return f'<td class="small" data-waiting="{escape(row.waiting_on)}">{label}{words}</td>'


def _zone(context):
    """The viewer's time zone, looked up once per render of the page (not once per row)."""
    cache = context.render_context
    if "submitted_zone" not in cache:
        cache["submitted_zone"] = timezone.get_current_timezone()
    return cache["submitted_zone"]


@register.simple_tag(takes_context=True)
def submitted_proposal_row(context, row: SubmittedRow, show_call: bool = False) -> str:
    acronym = (
        f' <span class="text-muted text-nowrap">(<bdi>{escape(row.acronym)}</bdi>)</span>'
        if row.acronym
        else ""
    )
    call = f'<div class="small text-muted">{escape(row.call_title)}</div>' if show_call else ""
    requests = "".join(
        # May wrap between figure and unit: Large Scale figures would widen the table past
        # the page on a laptop.
        f"<div>{escape(format_hours(h))} {escape(unit)} · {escape(partition)}</div>"
        for h, unit, partition in row.requests
    )
    return mark_safe(  # noqa: S308 - every value above and below is escaped
        "<tr>"
        f'<td class="text-nowrap"><a href="{_detail_url(context).format(row.pk)}">'
        f"{escape(row.reference or f'#{row.pk}')}</a></td>"
        f'<td class="cell-wide"><bdi>{escape(row.title)}</bdi>{acronym}{call}</td>'
        f"<td><bdi>{escape(row.organisation)}</bdi> "
        f'<span class="badge text-bg-light">{escape(row.country)}</span></td>'
        f"<td>{escape(row.status_label)}</td>"
        f"{waiting_cell(row)}"
        '<td class="small"><span class="d-md-none text-muted">Submitted: </span>'
        f"{escape(format_deadline(row.submitted_at, _zone(context)))}</td>"
        f"{clock_cell(row.clock)}"
        f'<td class="small">{requests or "—"}</td>'
        "</tr>"
    )
