"""Form widgets of the portal."""

from __future__ import annotations

from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe


def _attributes(attrs: dict) -> str:
    """Attributes in their order, as django/forms/widgets/attrs.html writes them."""
    return format_html_join(
        "",
        "{}",
        (
            (format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value),)
            for name, value in attrs.items()
            if value is not False
        ),
    )


class QuickSelect(forms.Select):
    """A select with Django's markup, rendered in Python: Django renders two templates (and
    deep-copies the attributes) per option, which makes a list of countries or partitions cost
    milliseconds on every view of a page. Plain options and optgroups, one selected value."""

    def _options(self, choices, selected: set[str]):
        for value, label in choices:
            if isinstance(label, list | tuple):  # an optgroup
                yield format_html('<optgroup label="{}">', value)
                yield from self._options(label, selected)
                yield "</optgroup>"
                continue
            value = "" if value is None else str(value)
            yield format_html(
                '<option value="{}"{}>{}</option>',
                value,
                mark_safe(" selected") if value in selected else "",  # noqa: S308
                label,
            )

    def render(self, name, value, attrs=None, renderer=None):
        selected = {str(v) for v in self.format_value(value)}
        if self.allow_multiple_selected:  # one selected option only: not for multiple selects
            raise ValueError("QuickSelect renders single selects only.")
        attrs = self.build_attrs(self.attrs, attrs)
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            _attributes(attrs),
            mark_safe("".join(self._options(self.choices, selected))),  # noqa: S308 - escaped
        )
