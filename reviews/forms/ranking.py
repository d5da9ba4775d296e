"""Shape-only forms of the panel ranking: a move (the proposal, a position or one up or down,
and its reason: one form above the table), a panel note (on the proposal's notes page), and the
funding line's waiting list size and feedback option."""

from __future__ import annotations

from django import forms

from reviews.models.ranking import MOVE_REASON_MAX_CHARS, PANEL_NOTE_MAX_CHARS
from reviews.services.funding_line import WAITLIST_MAX

# Far more proposals than a cut-off holds; keeps the number a number.
POSITION_MAX = 100_000


class MoveForm(forms.Form):
    proposal = forms.IntegerField(
        min_value=1,
        label="Proposal",
        error_messages={
            "required": "Choose the proposal to move.",
            "invalid": "Choose the proposal to move.",
            "min_value": "Choose the proposal to move.",
        },
    )
    direction = forms.ChoiceField(
        choices=(("", "To the position"), ("up", "Up"), ("down", "Down")), required=False
    )
    to = forms.IntegerField(
        min_value=1, max_value=POSITION_MAX, required=False, label="New position"
    )
    reason = forms.CharField(
        max_length=MOVE_REASON_MAX_CHARS,
        label="Reason for the move",
        error_messages={"required": "Write the reason for the move."},
        widget=forms.TextInput,
    )

    def clean(self):
        data = super().clean()
        if not data.get("direction") and data.get("to") is None and "to" not in self.errors:
            self.add_error("to", "Give the new position, or move it up or down.")
        return data

    def target(self, here: int) -> int:
        direction = self.cleaned_data.get("direction")
        if direction == "up":
            return here - 1
        if direction == "down":
            return here + 1
        return self.cleaned_data["to"]


class PanelNoteForm(forms.Form):
    text = forms.CharField(
        max_length=PANEL_NOTE_MAX_CHARS,
        label="Panel note",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Write the note."},
    )


class FundingLineForm(forms.Form):
    waitlist_size = forms.IntegerField(
        min_value=0,
        max_value=WAITLIST_MAX,
        initial=0,
        label="Waiting list size",
        help_text="How many proposals below the funding line go on the waiting list; the rest "
        "are rejected.",
    )
    with_review_comments = forms.BooleanField(
        required=False,
        initial=True,
        label="Send the reviewers' comments to the applicant (anonymised, as Reviewer 1, 2, 3) "
        "with rejections and waiting-list mails",
    )
