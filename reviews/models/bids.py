"""A reviewer's bid on a proposal of a cut-off: how much they want to review it. The automatic
assignment prefers eager over willing over no bid over rather not; a bid never overrides a
conflict (a conflicted pair cannot be bid on)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class BidLevel(models.TextChoices):
    EAGER = "eager", "Eager"
    WILLING = "willing", "Willing"
    RATHER_NOT = "rather_not", "Rather not"


class Bid(models.Model):
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_bids"
    )
    proposal = models.ForeignKey(
        "applications.Proposal", on_delete=models.CASCADE, related_name="+"
    )
    level = models.CharField(max_length=10, choices=BidLevel.choices)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["proposal", "reviewer"]
        constraints = [
            models.UniqueConstraint(fields=["reviewer", "proposal"], name="unique_review_bid")
        ]

    def __str__(self) -> str:
        return f"{self.reviewer}: {self.get_level_display()} on proposal {self.proposal_id}"
