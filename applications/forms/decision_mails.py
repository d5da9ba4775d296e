"""The officer's edit of a held decision mail: shape only; the service checks and saves."""

from __future__ import annotations

from django import forms

from portal.models import Notification


class HeldMailForm(forms.Form):
    subject = forms.CharField(
        max_length=Notification._meta.get_field("subject").max_length,
        help_text="One line; what the recipients see in their inbox.",
    )
    body_text = forms.CharField(
        label="Text of the mail",
        max_length=Notification._meta.get_field("body_text").max_length,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 18, "class": "font-monospace"}),
        help_text=(
            "The mail as plain text. Its HTML version is made again from this text when you "
            "save: paragraphs, line breaks and links, without the original's layout."
        ),
    )
    # The revision the officer started from: a change saved meanwhile is not overwritten.
    revision = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
