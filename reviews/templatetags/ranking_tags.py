"""The cells of the panel ranking table, built in Python: a cut-off ranks hundreds of proposals
with four criteria, several requests and a running total per pool each, and the template engine
takes tens of microseconds per tag and variable where format_html takes a few."""

from __future__ import annotations

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from applications.templatetags.call_tags import hours

register = template.Library()

_NOT_SCORED = mark_safe('<span class="text-muted">not scored</span>')
_DISAGREEMENT = mark_safe(' <span class="badge text-bg-warning">Disagreement</span>')
_PASSED = mark_safe(' <span class="badge text-bg-success">Threshold passed</span>')
_TO_COME = mark_safe('<span class="text-muted">to come</span>')
_OUTCOMES = {
    "award": mark_safe('<span class="badge text-bg-success">Above the line</span>'),
    "waitlist": mark_safe('<span class="badge text-bg-info">Waiting list</span>'),
    "failed": mark_safe('<span class="badge text-bg-danger">Below a threshold</span>'),
    "reject": mark_safe('<span class="badge text-bg-secondary">Below the line</span>'),
}


def _criterion(figure) -> SafeString:
    if figure.mean is None:
        return format_html("<li>{}: {}</li>", figure.criterion.name, _NOT_SCORED)
    passed = figure.passed
    if passed is True:
        threshold = _PASSED
    elif passed is False:
        threshold = format_html(
            ' <span class="badge text-bg-danger">Below threshold {}</span>',
            figure.criterion.threshold,
        )
    else:
        threshold = ""
    return format_html(
        "<li>{}: {}, spread {}{}{}</li>",
        figure.criterion.name,
        f"{figure.mean:.2f}",
        figure.spread,
        _DISAGREEMENT if figure.disagreement else "",
        threshold,
    )


@register.simple_tag
def criteria_cell(row) -> SafeString:
    """Each criterion's mean, spread, disagreement flag and threshold mark."""
    items = format_html_join("", "{}", ((_criterion(figure),) for figure in row.criteria))
    return format_html('<ul class="list-unstyled small mb-0">{}</ul>', items)


@register.simple_tag
def requests_cell(row) -> SafeString:
    """Hours requested and recommended per partition."""
    items = format_html_join(
        "",
        "<li>{}: {} / {} {}</li>",
        (
            (
                r.partition,
                hours(r.requested),
                _TO_COME if r.recommended is None else hours(r.recommended),
                r.unit,
            )
            for r in row.requests
        ),
    )
    return format_html('<ul class="list-unstyled small mb-0">{}</ul>', items)


@register.simple_tag
def running_cell(row) -> SafeString:
    """The running total of recommended hours per pool down to this row."""
    items = format_html_join(
        "",
        "<li>{}: {}</li>",
        ((pool.label, hours(total)) for pool, total in row.pool_cells if total is not None),
    )
    return format_html('<ul class="list-unstyled small mb-0">{}</ul>', items)


@register.simple_tag
def funding_cell(row) -> SafeString:
    """Where the funding line puts the row."""
    planned = row.planned
    if planned is None:
        return mark_safe("")
    if planned.outcome in ("award", "waitlist"):
        return _OUTCOMES[planned.outcome]
    return _OUTCOMES["failed" if row.failed_threshold else "reject"]


@register.simple_tag
def proposal_options(rows, selected: str = "") -> SafeString:
    """The move form's choice of proposal: rank, reference and short title, one per row."""
    return format_html_join(
        "",
        '<option value="{}"{}>{}. {} — {}</option>',
        (
            (
                row.proposal.pk,
                mark_safe(" selected") if str(row.proposal.pk) == selected else "",
                row.rank,
                row.proposal.reference,
                _short(row.proposal.title),
            )
            for row in rows
        ),
    )


def _short(title: str, limit: int = 60) -> str:
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"
