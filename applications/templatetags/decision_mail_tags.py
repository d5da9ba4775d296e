"""The way from a cut-off's page to its decision mails, with the number waiting for release."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import format_html

from applications.selectors.decision_mails import cutoff_mails_held_count

register = template.Library()


@register.simple_tag
def held_mails_link(cutoff) -> str:
    count = cutoff_mails_held_count(cutoff=cutoff)
    return format_html(
        '<p class="mb-3"><a class="icon-link" href="{}"><i class="bi bi-envelope-paper" '
        'aria-hidden="true"></i>Decision mails held for review</a> '
        '<span class="badge text-bg-{}">{}</span></p>',
        reverse("applications:officer_cutoff_mails", kwargs={"pk": cutoff.pk}),
        "warning" if count else "secondary",
        count,
    )
