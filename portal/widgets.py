"""Form widgets of the portal."""

from __future__ import annotations

from html import escape

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
        # The standard library's html.escape is what Django's escape calls, without the lazy
        # string wrapper that makes it several times slower per call.
        for value, label in choices:
            if isinstance(label, list | tuple):  # an optgroup
                yield f'<optgroup label="{escape(str(value))}">'
                yield from self._options(label, selected)
                yield "</optgroup>"
                continue
            value = "" if value is None else str(value)
            mark = " selected" if value in selected else ""
            yield f'<option value="{escape(value)}"{mark}>{escape(str(label))}</option>'

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
