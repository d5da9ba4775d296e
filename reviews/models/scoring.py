"""Reviews and scores: per accepted assignment one review, saved as a draft while the reviewer
types and submitted once. Per criterion of the call a score on its scale and a comment to the
applicant; for the panel only a confidential comment, the reviewer's confidence and an overall
recommendation. The weighted total is kept on submission so the ranking reads it without
recomputing every criterion."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from portal.validators import SHORT_TEXT_MAX_CHARS, text_validators

# A comment per criterion is a paragraph or two; the panel comment a little more.
CRITERION_COMMENT_MAX_CHARS = 4_000
PANEL_COMMENT_MAX_CHARS = SHORT_TEXT_MAX_CHARS


class Confidence(models.TextChoices):
    LOW = "low", "Low: outside my expertise"
    MEDIUM = "medium", "Medium: close to my expertise"
    HIGH = "high", "High: my field of expertise"


class Recommendation(models.TextChoices):
    FUND = "fund", "Fund"
    FUND_IF_CAPACITY = "fund_if_capacity", "Fund if capacity allows"
    DO_NOT_FUND = "do_not_fund", "Do not fund"


class Review(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        # Its reviewer turned out to have a conflict of interest: kept for the record, never
        # counted, ranked or shown.
        SET_ASIDE = "set_aside", "Set aside (conflict of interest)"

    assignment = models.OneToOneField(
        "reviews.ReviewAssignment", on_delete=models.CASCADE, related_name="review"
    )
    # Denormalised from the assignment so the ranking and the lists filter without joins.
    proposal = models.ForeignKey(
        "applications.Proposal", on_delete=models.CASCADE, related_name="reviews"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    # Confidential: the programme office and the panel only, never the applicant.
    comment_to_panel = models.TextField(
        blank=True,
        max_length=PANEL_COMMENT_MAX_CHARS,
        validators=text_validators(PANEL_COMMENT_MAX_CHARS),
    )
    confidence = models.CharField(max_length=10, choices=Confidence.choices, blank=True)
    recommendation = models.CharField(max_length=20, choices=Recommendation.choices, blank=True)
    # Sum of weight x score over the call's criteria, set on submission.
    weighted_total = models.DecimalField(max_digits=9, decimal_places=3, null=True, blank=True)
    # Optimistic concurrency for autosave (two tabs): a save based on an older version is refused.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    saved_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["proposal", "pk"]
        indexes = [models.Index(fields=["proposal", "status"])]

    def __str__(self) -> str:
        return f"Review of proposal {self.proposal_id} ({self.get_status_display()})"

    @property
    def is_submitted(self) -> bool:
        return self.status == self.Status.SUBMITTED


class CriterionScore(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(
        "applications.EvaluationCriterion", on_delete=models.CASCADE, related_name="+"
    )
    # Empty in a draft; on submission every criterion has a score within its scale.
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    # Shown to the applicant (anonymised) with the right of reply and the decision.
    comment_to_applicant = models.TextField(
        blank=True,
        max_length=CRITERION_COMMENT_MAX_CHARS,
        validators=text_validators(CRITERION_COMMENT_MAX_CHARS),
    )

    class Meta:
        ordering = ["review", "criterion__position", "criterion_id"]
        constraints = [
            models.UniqueConstraint(fields=["review", "criterion"], name="unique_criterion_score")
        ]

    def __str__(self) -> str:
        return f"{self.criterion_id}: {self.score}"
