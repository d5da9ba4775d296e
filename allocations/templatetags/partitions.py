"""Template helpers for partitions: names that stay whole at any width."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

register = template.Library()


@register.filter
def partition_name(partition, with_centre: bool = True) -> str:
    """`LUMI LUMI-G (CSC)`, the partition's own name kept on one line: browsers break a line at a
    hyphen, and "LUMI-" above "G" reads as two names on a phone."""
    if partition is None:
        return ""
    name = format_html(
        '{} <span class="text-nowrap">{}</span>', partition.system_name, partition.name
    )
    if with_centre:
        return format_html("{} ({})", name, partition.centre.short_name)
    return name
