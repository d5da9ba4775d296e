"""Forms of the reviewer pool and of conflicts of interest."""

from __future__ import annotations

from django import forms

from reviews.models import ConflictType, PastEmployer, ReviewerProfile
from reviews.models.conflicts import NOTE_MAX_CHARS
from reviews.models.pool import MAX_LIST_ITEMS
from reviews.services.pool import MAX_EMPLOYERS

LIST_HELP = f"Separate with commas; at most {MAX_LIST_ITEMS}, each up to 100 characters."


class CommaListField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 4_000)
        kwargs.setdefault("help_text", LIST_HELP)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        text = super().to_python(value)
        items = [part.strip() for part in text.split(",") if part.strip()]
        if len(items) > MAX_LIST_ITEMS:
            raise forms.ValidationError(f"Give at most {MAX_LIST_ITEMS} entries.")
        if any(len(item) > 100 for item in items):
            raise forms.ValidationError("Each entry may have at most 100 characters.")
        return items


class ReviewerProfileForm(forms.ModelForm):
    expertise_keywords = CommaListField(label="Expertise keywords")
    expertise_fields = CommaListField(label="Fields")
    email_domains = CommaListField(
        label="Email domains",
        help_text="Domains of the organisations you work for or with, e.g. example-lab.eu. "
        + LIST_HELP,
    )

    class Meta:
        model = ReviewerProfile
        fields = [
            "expertise_keywords",
            "expertise_fields",
            "affiliation",
            "email_domains",
            "orcid",
            "max_load",
        ]
        help_texts = {"orcid": "Optional, e.g. 0000-0002-1825-0097."}


class PastEmployerForm(forms.ModelForm):
    class Meta:
        model = PastEmployer
        fields = ["name", "registration_number", "vat_number", "from_year", "to_year"]


PastEmployerFormSet = forms.inlineformset_factory(
    ReviewerProfile,
    PastEmployer,
    form=PastEmployerForm,
    extra=1,
    max_num=MAX_EMPLOYERS,
    validate_max=True,
    can_delete=True,
)


class PoolInviteForm(forms.Form):
    email = forms.EmailField(label="Email address")


class ConflictDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("confirm", "Confirm"), ("dismiss", "Dismiss")])
    reason = forms.CharField(max_length=5_000, widget=forms.Textarea(attrs={"rows": 2}))


class ConflictDeclareForm(forms.Form):
    type = forms.ChoiceField(choices=ConflictType.choices, label="Kind of conflict")
    note = forms.CharField(
        required=False, max_length=NOTE_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 2})
    )


class OrganisationConflictForm(ConflictDeclareForm):
    organisation = forms.ModelChoiceField(queryset=None)

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.order_fields(["organisation", "type", "note"])
