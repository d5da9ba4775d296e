"""The officer's form for a call's peer review settings (shape only; the service decides)."""

from __future__ import annotations

from django import forms


class PeerReviewSettingsForm(forms.Form):
    reviewers_per_proposal = forms.IntegerField(
        min_value=1, max_value=10, label="Reviewers per proposal"
    )
    review_days = forms.IntegerField(
        min_value=3,
        max_value=120,
        label="Days to review",
        help_text="From the assignment to the deadline. Deadlines already set do not move.",
    )
    others_reviews_after_submit = forms.BooleanField(
        required=False,
        label="Reviewers see the other reviews after submitting their own",
        help_text="Shown as Reviewer 1, 2, 3: never with names.",
    )
