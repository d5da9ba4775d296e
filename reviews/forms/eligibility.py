from __future__ import annotations

from django import forms

from reviews.models import EligibilityCheck
from reviews.models.eligibility import LABEL_MAX_CHARS, REASON_MAX_CHARS


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=EligibilityCheck.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose eligible or not eligible."},
    )
    reason = forms.CharField(
        required=False,
        max_length=REASON_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Reason the applicant reads",
        help_text="Required when the proposal is not eligible. Sent to the applicant as written.",
    )
    ticked = forms.TypedMultipleChoiceField(
        required=False, coerce=int, widget=forms.CheckboxSelectMultiple, label="Checked by you"
    )

    def __init__(self, *args, manual_items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ticked"].choices = [(c.pk, c.label) for c in manual_items]

    def clean(self):
        data = super().clean()
        if (
            data.get("outcome") == EligibilityCheck.Outcome.INELIGIBLE
            and not (data.get("reason") or "").strip()
        ):
            self.add_error(
                "reason",
                "Give the reason the applicant will read: why the proposal is not eligible.",
            )
        return data


class ItemForm(forms.Form):
    label = forms.CharField(max_length=LABEL_MAX_CHARS, label="New item the officer ticks")
