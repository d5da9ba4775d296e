"""Forms of the portal core. They shape input; the rules live in the models' validators and the
services."""

from __future__ import annotations

from django import forms

from portal.countries import COUNTRY_CHOICES
from portal.models import Organisation, User
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


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["first_name", "last_name", "timezone"]
        help_texts = {"timezone": "Deadlines and dates across the portal are shown in this zone."}
