"""The body of the panel ranking table and the move form's choice of proposal, built in Python.

A cut-off ranks hundreds of proposals, each with four criteria, a few requests and a running
total per pool: through template tags and variables (each escaped, localised and looked up)
the rows took about half a second for 500 proposals. Here every text from the database is
escaped once with the standard library's html.escape (the same five characters as Django's
escape) and the rest is fixed markup, a few microseconds per cell.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe

from applications.models import ProposalStatus
from applications.templatetags.call_tags import hours

register = template.Library()

_CENT = Decimal("0.01")
_OUTCOMES = {
    "award": '<span class="badge text-bg-success">Above the line</span>',
    "waitlist": '<span class="badge text-bg-info">Waiting list</span>',
    "failed": '<span class="badge text-bg-danger">Below a threshold</span>',
    "reject": '<span class="badge text-bg-secondary">Below the line</span>',
}


def two_places(value: Decimal) -> str:
    """As the floatformat:2 filter shows it: 31/3 -> 10.33, 2.005 -> 2.01."""
    return str(Decimal(value).quantize(_CENT, rounding=ROUND_HALF_UP))


def _criteria(row) -> str:
    items = []
    for figure in row.criteria:
        name = escape(figure.criterion.name)
        if figure.mean is None:
            items.append(f'<li>{name}: <span class="text-muted">not scored</span></li>')
            continue
        flag = (
            ' <span class="badge text-bg-warning">Disagreement</span>'
            if figure.disagreement
            else ""
        )
        passed = figure.passed
        if passed is True:
            mark = ' <span class="badge text-bg-success">Threshold passed</span>'
        elif passed is False:
            mark = (
                ' <span class="badge text-bg-danger">Below threshold '
                f"{escape(str(figure.criterion.threshold))}</span>"
            )
        else:
            mark = ""
        items.append(
            f"<li>{name}: {two_places(figure.mean)}, spread {figure.spread}{flag}{mark}</li>"
        )
    return '<ul class="list-unstyled small mb-0">' + "".join(items) + "</ul>"


def _requests(row) -> str:
    items = "".join(
        f"<li>{escape(r.partition)}: {hours(r.requested)} / "
        + (
            '<span class="text-muted">to come</span>'
            if r.recommended is None
            else hours(r.recommended)
        )
        + f" {escape(r.unit)}</li>"
        for r in row.requests
    )
    return f'<ul class="list-unstyled small mb-0">{items}</ul>'


def _running(row, labels: dict[int, str]) -> str:
    items = "".join(
        f"<li>{labels[pool.pool_id]}: {hours(total)}</li>"
        for pool, total in row.pool_cells
        if total is not None
    )
    return f'<ul class="list-unstyled small mb-0">{items}</ul>'


def _funding(row) -> str:
    planned = row.planned
    if planned is None:
        return ""
    if planned.outcome in ("award", "waitlist"):
        return _OUTCOMES[planned.outcome]
    return _OUTCOMES["failed" if row.failed_threshold else "reject"]


def _line(pool, text: str) -> str:
    return (
        f'<tr class="funding-line" data-pool="{pool.pool_id}"><td colspan="9">Funding line of '
        f"{escape(pool.label)}: {text}</td></tr>"
    )


@register.simple_tag
def ranking_body(table, notes_url: str) -> SafeString:
    """The table's rows in rank order: each pool's funding line drawn above the row it ran out
    at (and below the last row for a pool that did not run out), then per proposal its rank,
    reference, title, organisation and status, weighted score, criteria (mean, spread,
    disagreement, threshold), reviews, hours, running totals, funding line outcome and a link to
    its panel notes with their count."""
    labels = {pool.pool_id: escape(pool.label) for pool in table.plan.pools}
    statuses = {value: escape(str(label)) for value, label in ProposalStatus.choices}
    out = []
    for row in table.rows:
        for pool in row.lines_above:
            out.append(_line(pool, f"{hours(pool.free)} {escape(pool.unit)} run out here"))
        proposal = row.proposal
        pk = row.pk
        reference = escape(proposal.reference or "")
        score = (
            two_places(row.weighted_score)
            if row.weighted_score is not None
            else '<span class="text-muted">no review yet</span>'
        )
        count = row.note_count
        out.append(
            f'<tr id="row-{pk}" class="ranking-row'
            f'{" ranking-failed" if row.failed_threshold else ""}">'
            f'<td data-label="Rank"><strong>{row.rank}</strong></td>'
            f'<th scope="row" class="cell-wide"><span class="text-nowrap">{reference}</span> '
            f"<bdi>{escape(proposal.title)}</bdi>"
            f'<div class="small text-muted"><bdi>{escape(proposal.organisation_name)}</bdi>'
            f" · {statuses.get(proposal.status, escape(proposal.status))}</div></th>"
            f'<td class="text-md-end" data-label="Weighted score">{score}</td>'
            f'<td data-label="Criteria">{_criteria(row)}</td>'
            f'<td data-label="Reviews" class="text-nowrap">{row.reviews_submitted} of '
            f"{row.reviews_assigned} submitted</td>"
            f'<td data-label="Hours">{_requests(row)}</td>'
            f'<td data-label="Running total">{_running(row, labels)}</td>'
            f'<td data-label="Funding line">{_funding(row)}</td>'
            f'<td data-label="Panel notes"><a class="text-nowrap" href="{escape(notes_url)}{pk}/">'
            f"{'No' if count == 0 else count} note{'' if count == 1 else 's'}"
            f'<span class="visually-hidden"> on {reference}</span></a></td></tr>'
        )
    for pool in table.pools_not_run_out:
        out.append(
            _line(
                pool,
                f"below the last proposal ({hours(pool.remaining)} of {hours(pool.free)} "
                f"{escape(pool.unit)} left)",
            )
        )
    return mark_safe("\n".join(out))  # noqa: S308 - every database text above is escaped


@register.simple_tag
def proposal_options(rows, selected: str = "") -> SafeString:
    """The move form's choice of proposal: rank, reference and short title, one per row."""
    selected = str(selected or "")
    options = "".join(
        f'<option value="{row.proposal.pk}"'
        f"{' selected' if str(row.proposal.pk) == selected else ''}>"
        f"{row.rank}. {escape(row.proposal.reference or '')} — {escape(_short(row.proposal.title))}"
        "</option>"
        for row in rows
    )
    return mark_safe(options)  # noqa: S308 - the references and titles are escaped


def _short(title: str, limit: int = 60) -> str:
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"
