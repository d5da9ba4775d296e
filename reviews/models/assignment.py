"""Who reviews which proposal: the assignments (made by hand or by applying an automatic run),
each automatic run as it was computed (inputs, result, objective), and each call's number of
reviewers per proposal."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from portal.validators import JSONLimitsValidator, text_validators

DEFAULT_REVIEWERS_PER_PROPOSAL = 3
DEFAULT_REVIEW_DAYS = 21
DECLINE_REASON_MAX_CHARS = 1_000
# A run of 500 proposals and 150 reviewers with bids stays well under this; the limit keeps a
# runaway input (or a hand-edited row) from growing without bound.
RUN_JSON_LIMITS = JSONLimitsValidator(max_bytes=3_000_000, max_depth=5)


class PeerReviewSettings(models.Model):
    """Per call: how many reviewers each proposal gets (the default without a row)."""

    call = models.OneToOneField(
        "applications.Call", on_delete=models.CASCADE, related_name="peer_review_settings"
    )
    reviewers_per_proposal = models.PositiveSmallIntegerField(
        default=DEFAULT_REVIEWERS_PER_PROPOSAL,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
    )
    # Reviewers see the other reviews of a proposal only once their own is submitted (and then
    # as "Reviewer 1, 2, 3"); off, they never see them.
    others_reviews_after_submit = models.BooleanField(
        default=True,
        help_text="Reviewers see the other reviews of a proposal after submitting their own.",
    )
    review_days = models.PositiveSmallIntegerField(
        default=DEFAULT_REVIEW_DAYS,
        validators=[MinValueValidator(3), MaxValueValidator(120)],
        help_text="Days a reviewer has from the assignment to submit the review.",
    )

    class Meta:
        verbose_name = "peer review settings"
        verbose_name_plural = "peer review settings"

    def __str__(self) -> str:
        return f"{self.call}: {self.reviewers_per_proposal} reviewers per proposal"


class ReviewAssignment(models.Model):
    class Status(models.TextChoices):
        ASSIGNED = "assigned", "Assigned"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        SUBMITTED = "submitted", "Review submitted"
        # A conflict of interest found after the assignment: it no longer counts, its review
        # (if any) is set aside, and the officer is offered a replacement.
        CONFLICTED = "conflicted", "Conflict of interest"

    class Reminder(models.TextChoices):
        """The last reminder sent, so each is sent once (7 and 2 days before, then overdue)."""

        NONE = "", "None"
        DAYS_7 = "7_days", "7 days before"
        DAYS_2 = "2_days", "2 days before"
        OVERDUE = "overdue", "Overdue"

    class Source(models.TextChoices):
        MANUAL = "manual", "By hand"
        AUTOMATIC = "automatic", "Automatic"

    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_assignments"
    )
    proposal = models.ForeignKey(
        "applications.Proposal", on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ASSIGNED)
    decline_reason = models.TextField(
        blank=True,
        max_length=DECLINE_REASON_MAX_CHARS,
        validators=text_validators(DECLINE_REASON_MAX_CHARS),
    )
    source = models.CharField(max_length=10, choices=Source.choices)
    run = models.ForeignKey(
        "reviews.AssignmentRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    # The review is due by then (set when assigned, from the call's review_days).
    deadline = models.DateTimeField(null=True, blank=True)
    last_reminder = models.CharField(
        max_length=10, choices=Reminder.choices, blank=True, default=Reminder.NONE
    )

    class Meta:
        ordering = ["proposal", "reviewer"]
        constraints = [
            models.UniqueConstraint(
                fields=["reviewer", "proposal"], name="unique_review_assignment"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} reviews proposal {self.proposal_id} ({self.status})"

    @property
    def is_inactive(self) -> bool:
        return self.status in INACTIVE_ASSIGNMENT_STATUSES


# Assignments that no longer count: no review is owed, no load is carried, nothing is shown.
INACTIVE_ASSIGNMENT_STATUSES = (
    ReviewAssignment.Status.DECLINED,
    ReviewAssignment.Status.CONFLICTED,
)


class AssignmentRun(models.Model):
    """One automatic assignment of a cut-off as computed: the solver's inputs and result (JSON, to
    compare runs and to apply exactly what was previewed)."""

    cutoff = models.ForeignKey(
        "applications.CutOff", on_delete=models.CASCADE, related_name="assignment_runs"
    )
    fill_gaps_only = models.BooleanField(default=False)
    strict = models.BooleanField(default=False)
    inputs = models.JSONField(validators=[RUN_JSON_LIMITS])
    result = models.JSONField(validators=[RUN_JSON_LIMITS])
    status = models.CharField(max_length=12)  # reviews.assignment.solver.Status
    objective = models.BigIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Assignment run {self.pk} of {self.cutoff}"
