"""Forms of the portal core. They shape input; the rules live in the models' validators and the
services."""

from __future__ import annotations

from functools import cache

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from portal.countries import COUNTRY_CHOICES
from portal.models import Organisation, User
from portal.models.accounts import TIMEZONE_CHOICES
from portal.services.organisations import ORGANISATION_FACTS


class OrganisationForm(forms.ModelForm):
    country = forms.ChoiceField(
        choices=[("", "Choose a country")] + COUNTRY_CHOICES,
        error_messages={
            "invalid_choice": "“%(value)s” is not a participating country. Choose an EU member "
            "state or an associated country from the list.",
        },
        help_text="EU member states and countries associated with the programme.",
    )
    website = forms.URLField(
        required=False,
        assume_scheme="https",
        max_length=Organisation._meta.get_field("website").max_length,
    )

    class Meta:
        model = Organisation
        fields = list(ORGANISATION_FACTS)
        widgets = {
            "founded_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "annual_turnover_eur": forms.NumberInput(attrs={"min": "0", "step": "0.01"}),
            "balance_sheet_eur": forms.NumberInput(attrs={"min": "0", "step": "0.01"}),
            "employees": forms.NumberInput(attrs={"min": "0"}),
        }
        help_texts = {
            "annual_turnover_eur": "Last closed financial year.",
            "balance_sheet_eur": "Last closed financial year.",
        }

    def facts(self) -> dict:
        """The validated facts, in the canonical form the model's checks produced."""
        return {field: getattr(self.instance, field) for field in ORGANISATION_FACTS}


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label="Email address of the person to invite",
        widget=forms.EmailInput(attrs={"autocomplete": "off", "placeholder": "name@company.eu"}),
    )


@cache
def _time_zone_options() -> tuple[tuple[str, str], ...]:
    """(zone, its <option> markup) grouped by region ("Europe", "America"...), escaped once per
    process: the list has about 400 zones, too many to render one template per option on every
    view of the profile."""
    groups: dict[str, list[str]] = {}
    for value, _label in TIMEZONE_CHOICES:
        region, _, place = value.partition("/")
        groups.setdefault(region, []).append(value)
    markup = []
    for region, zones in groups.items():
        markup.append(("", format_html('<optgroup label="{}">', region)))
        for zone in zones:
            place = zone.partition("/")[2].replace("_", " ")
            markup.append((zone, format_html('<option value="{}">{}</option>', zone, place)))
        markup.append(("", "</optgroup>"))
    return tuple(markup)


class TimeZoneSelect(forms.Select):
    """The time-zone select, grouped by region, from markup built once per process."""

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        selected = str(value) if value is not None else ""
        options = (
            markup.replace("<option ", "<option selected ", 1)
            if zone and zone == selected
            else markup
            for zone, markup in _time_zone_options()
        )
        return mark_safe(f"<select{flatatt(attrs)}>{''.join(options)}</select>")  # noqa: S308


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["first_name", "last_name", "timezone"]
        widgets = {"timezone": TimeZoneSelect}
        help_texts = {"timezone": "Deadlines and dates across the portal are shown in this zone."}
