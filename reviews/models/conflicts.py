"""Conflicts of interest between a reviewer and a proposal: declared by the reviewer (per
organisation or per proposal), detected by the portal (each with the fact that triggered it, for
an officer to confirm or dismiss with a reason), and the reviewer's confirmation, after seeing a
proposal's title and organisation, that they have none."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from portal.validators import SHORT_TEXT_MAX_CHARS, text_validators

NOTE_MAX_CHARS = 2_000


class ConflictType(models.TextChoices):
    EMPLOYMENT = "employment", "Employment"
    COLLABORATION = "collaboration", "Collaboration"
    FINANCIAL = "financial", "Financial or investor"
    COMPETITOR = "competitor", "Competitor"
    PERSONAL = "personal", "Personal"
    OTHER = "other", "Other"


class DeclaredConflict(models.Model):
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="declared_conflicts"
    )
    organisation = models.ForeignKey(
        "portal.Organisation", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    proposal = models.ForeignKey(
        "applications.Proposal", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    type = models.CharField(max_length=20, choices=ConflictType.choices)
    note = models.TextField(
        blank=True, max_length=NOTE_MAX_CHARS, validators=text_validators(NOTE_MAX_CHARS)
    )
    declared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-declared_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(organisation__isnull=True) ^ Q(proposal__isnull=True)),
                name="declared_conflict_one_target",
            ),
            models.UniqueConstraint(
                fields=["reviewer", "organisation"],
                condition=Q(organisation__isnull=False),
                name="unique_declared_conflict_organisation",
            ),
            models.UniqueConstraint(
                fields=["reviewer", "proposal"],
                condition=Q(proposal__isnull=False),
                name="unique_declared_conflict_proposal",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} declared a conflict ({self.get_type_display()})"


class DetectionRule(models.TextChoices):
    MEMBER = "member", "Member of the applying organisation"
    TEAM = "team", "Named in the proposal's team"
    EMAIL_DOMAIN = "email_domain", "Shares an email domain with the team"
    EMPLOYER_NUMBER = "employer_number", "Past employer with the same registration or VAT number"
    EMPLOYER_NAME = "employer_name", "Past employer with a matching name"


class DetectedConflict(models.Model):
    class Status(models.TextChoices):
        DETECTED = "detected", "To decide"
        CONFIRMED = "confirmed", "Confirmed"
        DISMISSED = "dismissed", "Dismissed"

    cutoff = models.ForeignKey(
        "applications.CutOff", on_delete=models.CASCADE, related_name="detected_conflicts"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="detected_conflicts"
    )
    proposal = models.ForeignKey(
        "applications.Proposal", on_delete=models.CASCADE, related_name="detected_conflicts"
    )
    rule = models.CharField(max_length=20, choices=DetectionRule.choices)
    fact = models.CharField(max_length=500, help_text="What triggered the detection.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DETECTED)
    # False once a later run no longer finds it; kept because an officer decided on it.
    is_current = models.BooleanField(default=True)
    detected_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(
        blank=True,
        max_length=SHORT_TEXT_MAX_CHARS,
        validators=text_validators(SHORT_TEXT_MAX_CHARS),
    )

    class Meta:
        ordering = ["proposal_id", "reviewer_id", "rule"]
        constraints = [
            models.UniqueConstraint(
                fields=["reviewer", "proposal", "rule"], name="unique_detected_conflict"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_rule_display()}: {self.fact}"


class NoConflictConfirmation(models.Model):
    """The reviewer saw the proposal's title and organisation and says they have no conflict."""

    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    proposal = models.ForeignKey(
        "applications.Proposal", on_delete=models.CASCADE, related_name="+"
    )
    confirmed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["reviewer", "proposal"], name="unique_no_conflict")
        ]

    def __str__(self) -> str:
        return f"{self.reviewer}: no conflict with proposal {self.proposal_id}"
