"""QuickSelect renders the markup of Django's Select, without a template per option."""

from __future__ import annotations

import re

import pytest
from django import forms

from portal.countries import COUNTRY_CHOICES
from portal.widgets import QuickSelect

CHOICES = [("", "Any country"), *COUNTRY_CHOICES, ("Others", [("x", 'X <&> "q"'), ("y", "Y")])]


def _normalised(html: str) -> str:
    return re.sub(r">\s+<", "><", html.strip())


@pytest.mark.parametrize("value", ["DE", "y", "", None, "not a choice"])
def test_same_markup_as_djangos_select(value):
    attrs = {"class": "form-select form-select-sm"}
    django_select = forms.Select(choices=CHOICES, attrs=attrs)
    quick = QuickSelect(choices=CHOICES, attrs=attrs)
    extra = {"id": "id_country", "aria-invalid": "true"}
    assert _normalised(quick.render("country", value, extra)) == _normalised(
        django_select.render("country", value, extra)
    )


def test_in_a_form_the_choice_is_kept_and_escaped():
    class CountryForm(forms.Form):
        country = forms.ChoiceField(choices=CHOICES, widget=QuickSelect)

    html = str(CountryForm({"country": "x"})["country"])
    assert '<option value="x" selected>X &lt;&amp;&gt; &quot;q&quot;</option>' in html
    assert html.count(" selected") == 1 and " required" in html
