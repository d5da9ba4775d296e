"""The officer's decision form: hours and an override reason per request, one reason for the
applicant, and the button pressed (award, waitlist, reject)."""

from __future__ import annotations

from django import forms

from reviews.services.decisions import HOURS_MAX_DIGITS, REASON_MAX_CHARS, RequestLine

ACTIONS = (("award", "Award"), ("waitlist", "Waitlist"), ("reject", "Reject"))


class DecisionForm(forms.Form):
    action = forms.ChoiceField(
        choices=ACTIONS, error_messages={"required": "Choose award, waitlist or reject."}
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=REASON_MAX_CHARS,
        label="Reason given to the applicant",
        help_text="Required to reject; optional to waitlist. The applicant reads it in the "
        "decision mail, with each centre's comment to the applicant.",
    )

    def __init__(self, *args, lines: list[RequestLine], **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = lines
        for line in lines:
            pk = line.request.pk
            recommended = line.recommended
            initial = line.request.hours if recommended is None else recommended
            self.fields[f"hours_{pk}"] = forms.DecimalField(
                required=False,
                min_value=0,
                max_digits=HOURS_MAX_DIGITS,
                decimal_places=0,
                initial=int(initial) if initial else None,
                label=f"Hours on {line.partition}",
                error_messages={
                    "invalid": "Enter the hours as a whole number.",
                    "max_decimal_places": "Award whole hours.",
                    "max_digits": "That is more hours than any request can hold.",
                    "max_whole_digits": "That is more hours than any request can hold.",
                },
            )
            self.fields[f"override_{pk}"] = forms.CharField(
                required=False,
                max_length=REASON_MAX_CHARS,
                label="Why award more than recommended",
                help_text="Only needed above the centre's recommendation; kept for the staff.",
            )

    def rows(self):
        """Each request line with its two bound fields, for the template."""
        return [
            (line, self[f"hours_{line.request.pk}"], self[f"override_{line.request.pk}"])
            for line in self.lines
        ]

    def hours(self) -> dict[int, object]:
        return {
            line.request.pk: self.cleaned_data.get(f"hours_{line.request.pk}")
            for line in self.lines
            if self.cleaned_data.get(f"hours_{line.request.pk}") is not None
        }

    def overrides(self) -> dict[int, str]:
        return {
            line.request.pk: self.cleaned_data.get(f"override_{line.request.pk}", "")
            for line in self.lines
            if self.cleaned_data.get(f"override_{line.request.pk}")
        }
