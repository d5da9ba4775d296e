"""The applicant's reply form: shape only (the text within its stored bound, the version it is
based on); the word limit, the deadline and the state are the service's to check."""

from __future__ import annotations

from django import forms

from portal.validators import LONG_TEXT_MAX_CHARS


class ReplyForm(forms.Form):
    text = forms.CharField(
        label="Your reply",
        required=False,
        strip=False,
        max_length=LONG_TEXT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 14}),
    )
    version = forms.IntegerField(min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)

    def __init__(self, *args, word_limit: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].help_text = (
            f"At most {word_limit} words. Saved as you type; the reviewers and the panel read it "
            "once you submit it."
        )
        self.fields["text"].widget.attrs.update(
            {"data-word-limit": str(word_limit), "aria-describedby": "id_text_helptext reply-words"}
        )
        self.fields["version"].widget.attrs["id"] = "proposal-version"
