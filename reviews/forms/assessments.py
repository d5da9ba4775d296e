from __future__ import annotations

from django import forms

from allocations.models import Partition
from portal.validators import SHORT_TEXT_MAX_CHARS
from reviews.models import TechnicalAssessment


class AssessmentForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=TechnicalAssessment.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose feasible, feasible with changes or not feasible."},
    )
    recommended_hours = forms.DecimalField(
        min_value=0,
        max_digits=12,
        decimal_places=0,
        required=False,
        help_text="At most the hours requested; leave empty for a request that is not feasible.",
    )
    suggested_partition = forms.ModelChoiceField(
        queryset=Partition.objects.none(),
        required=False,
        empty_label="No other partition",
        label="Suggest another partition",
    )
    comment_to_applicant = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=SHORT_TEXT_MAX_CHARS,
        label="Comment to the applicant",
        help_text="Sent to the applicant with the decision.",
    )
    comment_to_panel = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=SHORT_TEXT_MAX_CHARS,
        label="Comment to the panel",
        help_text="Read by the programme office and the panel only; never by the applicant.",
    )

    def __init__(self, *args, partitions, requested_hours, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["suggested_partition"].queryset = partitions
        self.fields["suggested_partition"].label_from_instance = lambda p: (
            f"{p.system_name} {p.name} ({p.centre.short_name})"
        )
        self.fields["recommended_hours"].widget.attrs["max"] = int(requested_hours)
        self.requested_hours = requested_hours

    def clean(self):
        data = super().clean()
        hours = data.get("recommended_hours")
        outcome = data.get("outcome")
        if hours is not None and hours > self.requested_hours:
            self.add_error(
                "recommended_hours",
                f"Recommend at most the {self.requested_hours:,.0f} hours requested.",
            )
        if hours is None and outcome and outcome != TechnicalAssessment.Outcome.NOT_FEASIBLE:
            self.add_error("recommended_hours", "Give the hours you recommend.")
        return data
