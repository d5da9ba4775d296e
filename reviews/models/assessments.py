"""Technical assessment: each hosting centre checks that the hours asked on its partitions are
feasible. One assessment per resource request, opened when the proposal becomes eligible."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models

from portal.validators import SHORT_TEXT_MAX_CHARS, text_validators

DEFAULT_WORKING_DAYS = 5


class AssessmentSettings(models.Model):
    """Per call: how many working days the centres have to assess (the default without a row)."""

    call = models.OneToOneField(
        "applications.Call", on_delete=models.CASCADE, related_name="assessment_settings"
    )
    working_days = models.PositiveSmallIntegerField(
        default=DEFAULT_WORKING_DAYS,
        validators=[MinValueValidator(1)],
        help_text="Working days a centre has to assess a request, counted from eligibility.",
    )

    class Meta:
        verbose_name = "technical assessment settings"
        verbose_name_plural = "technical assessment settings"

    def __str__(self) -> str:
        return f"{self.call}: {self.working_days} working days"


class TechnicalAssessment(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Waiting for assessment"
        SUBMITTED = "submitted", "Submitted"
        OVERDUE = "overdue", "Overdue"

    class Outcome(models.TextChoices):
        FEASIBLE = "feasible", "Feasible"
        FEASIBLE_WITH_CHANGES = "feasible_with_changes", "Feasible with changes"
        NOT_FEASIBLE = "not_feasible", "Not feasible"

    request = models.OneToOneField(
        "applications.ResourceRequest", on_delete=models.CASCADE, related_name="assessment"
    )
    # Denormalised from the request (its partition's centre) so lists filter without joins.
    proposal = models.ForeignKey(
        "applications.Proposal", on_delete=models.CASCADE, related_name="technical_assessments"
    )
    centre = models.ForeignKey(
        "allocations.Centre", on_delete=models.PROTECT, related_name="technical_assessments"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    outcome = models.CharField(max_length=32, choices=Outcome.choices, blank=True)
    recommended_hours = models.DecimalField(
        max_digits=12, decimal_places=0, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    suggested_partition = models.ForeignKey(
        "allocations.Partition",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Another partition that would suit the work better, if any.",
    )
    comment_to_applicant = models.TextField(
        blank=True,
        max_length=SHORT_TEXT_MAX_CHARS,
        validators=text_validators(SHORT_TEXT_MAX_CHARS),
    )
    # Seen by the programme office and the panel only, never by the applicant or other centres.
    comment_to_panel = models.TextField(
        blank=True,
        max_length=SHORT_TEXT_MAX_CHARS,
        validators=text_validators(SHORT_TEXT_MAX_CHARS),
    )
    deadline = models.DateTimeField(help_text="The end of the last working day to assess.")
    reminded_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["deadline", "pk"]
        indexes = [models.Index(fields=["centre", "status", "deadline"])]

    def __str__(self) -> str:
        return f"Technical assessment of {self.request} ({self.get_status_display()})"

    @property
    def is_submitted(self) -> bool:
        return self.status == self.Status.SUBMITTED
