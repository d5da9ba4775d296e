"""The officer's form for a closure day; the service checks the day itself."""

from __future__ import annotations

from django import forms

from applications.models import ClosureDay


class ClosureDayForm(forms.Form):
    date = forms.DateField(
        label="Day",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="A weekday that is not a public holiday.",
    )
    reason = forms.CharField(
        max_length=ClosureDay._meta.get_field("reason").max_length,
        label="Reason",
        help_text="e.g. Office closed between Christmas and New Year.",
    )
