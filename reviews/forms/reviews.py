"""The review form: per criterion of the call a score and a comment to the applicant, then a
comment to the panel, a confidence and a recommendation. Shape only (text of bounded length);
the scale, the choices and what submission needs are the review services' to check."""

from __future__ import annotations

from django import forms

from applications.models import EvaluationCriterion
from reviews.models import Confidence, Recommendation, Review
from reviews.models.scoring import CRITERION_COMMENT_MAX_CHARS, PANEL_COMMENT_MAX_CHARS
from reviews.services.reviews import REVIEW_FIELDS, comment_field, score_field


class ReviewForm(forms.Form):
    comment_to_panel = forms.CharField(
        required=False,
        label="Confidential comment to the panel",
        help_text="Read by the programme office and the panel only, never by the applicant.",
        widget=forms.Textarea(
            attrs={"rows": 4, "class": "form-control", "data-max-chars": PANEL_COMMENT_MAX_CHARS}
        ),
        strip=False,
        # The service names the limit and how far over it is; the form lets the text through.
        max_length=PANEL_COMMENT_MAX_CHARS * 2,
    )
    confidence = forms.CharField(
        required=False,
        label="Your confidence",
        widget=forms.RadioSelect(choices=Confidence.choices, attrs={"class": "form-check-input"}),
    )
    recommendation = forms.CharField(
        required=False,
        label="Overall recommendation",
        widget=forms.RadioSelect(
            choices=Recommendation.choices, attrs={"class": "form-check-input"}
        ),
    )

    def __init__(self, *args, criteria: list[EvaluationCriterion], review: Review | None, **kw):
        initial = {}
        if review is not None:
            initial = {name: getattr(review, name) for name in REVIEW_FIELDS}
            for row in review.scores.all():
                initial[score_field(row.criterion_id)] = row.score
                initial[comment_field(row.criterion_id)] = row.comment_to_applicant
        kw.setdefault("initial", initial)
        super().__init__(*args, **kw)
        self.criteria = criteria
        for criterion in criteria:
            self.fields[score_field(criterion.pk)] = forms.CharField(
                required=False,
                max_length=20,
                label=f"Score ({criterion.scale_min} to {criterion.scale_max})",
                widget=forms.NumberInput(
                    attrs={
                        "class": "form-control",
                        "min": criterion.scale_min,
                        "max": criterion.scale_max,
                        "step": 1,
                        "inputmode": "numeric",
                    }
                ),
            )
            self.fields[comment_field(criterion.pk)] = forms.CharField(
                required=False,
                strip=False,
                max_length=CRITERION_COMMENT_MAX_CHARS * 2,
                label="Comment to the applicant",
                help_text="Shown to the applicant without your name.",
                widget=forms.Textarea(
                    attrs={
                        "rows": 3,
                        "class": "form-control",
                        "data-max-chars": CRITERION_COMMENT_MAX_CHARS,
                    }
                ),
            )

    def criterion_rows(self):
        return [(c, self[score_field(c.pk)], self[comment_field(c.pk)]) for c in self.criteria]

    def review_values(self) -> dict:
        """The posted values that passed the form's checks, for review_save(values=...)."""
        cleaned = getattr(self, "cleaned_data", {})
        posted = [name for name in self.fields if name in self.data]
        return {name: cleaned[name] for name in posted if name in cleaned}
