"""The eligibility check of a proposal: a checklist per call, and one recorded check per proposal.

A call's checklist is data the programme office may change: automatic items name a check the
portal computes from the proposal's data (reviews.services.eligibility.AUTO_CHECKS), manual items
are ticked by the officer. The recorded check keeps a snapshot of every item's result and facts,
so a later change of the checklist or of the organisation never rewrites what was decided.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from portal.validators import JSONLimitsValidator, text_validators

LABEL_MAX_CHARS = 200
# What the applicant reads in the refusal mail and on the timeline.
REASON_MAX_CHARS = 2_000


class EligibilityCriterion(models.Model):
    class Kind(models.TextChoices):
        AUTO = "auto", "Checked by the portal"
        MANUAL = "manual", "Ticked by the officer"

    call = models.ForeignKey(
        "applications.Call", on_delete=models.CASCADE, related_name="eligibility_criteria"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # The automatic check this item runs (empty for a manual item).
    code = models.CharField(max_length=40, blank=True)
    label = models.CharField(
        max_length=LABEL_MAX_CHARS, validators=text_validators(LABEL_MAX_CHARS)
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["call", "code"],
                condition=~models.Q(code=""),
                name="one_auto_eligibility_item_per_code",
            ),
            models.CheckConstraint(
                condition=(models.Q(kind="auto") & ~models.Q(code=""))
                | (models.Q(kind="manual") & models.Q(code="")),
                name="eligibility_item_code_iff_auto",
            ),
        ]

    def __str__(self) -> str:
        return self.label


class EligibilityCheck(models.Model):
    """The officer's eligibility outcome for one proposal (one per proposal)."""

    class Outcome(models.TextChoices):
        ELIGIBLE = "eligible", "Eligible"
        INELIGIBLE = "ineligible", "Not eligible"

    proposal = models.OneToOneField(
        "applications.Proposal", on_delete=models.CASCADE, related_name="eligibility_check"
    )
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    checked_at = models.DateTimeField()
    # [{"label", "kind", "code", "passed", "facts": [str]}], in checklist order.
    items = models.JSONField(
        default=list, validators=[JSONLimitsValidator(max_bytes=64_000, max_depth=3)]
    )
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    reason = models.TextField(
        blank=True,
        max_length=REASON_MAX_CHARS,
        validators=text_validators(REASON_MAX_CHARS),
    )
    # Checked in bulk from the cut-off's list (every automatic item passed).
    in_bulk = models.BooleanField(default=False)

    class Meta:
        ordering = ["-checked_at"]

    def __str__(self) -> str:
        return f"{self.proposal_id}: {self.outcome}"
