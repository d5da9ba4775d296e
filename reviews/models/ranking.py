"""The panel's ranking of a cut-off. The order starts from the weighted scores; the panel may move
a proposal with a recorded reason. Every change is a new version; closing the panel freezes the
last version, and the funding line is applied from a frozen version only, once per cut-off."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from portal.validators import SHORT_TEXT_MAX_CHARS, JSONLimitsValidator, text_validators

# 5,000 proposal ids and a few hundred moves stay well under this.
RANKING_JSON_LIMITS = JSONLimitsValidator(max_bytes=1_000_000, max_depth=4)
PANEL_NOTE_MAX_CHARS = SHORT_TEXT_MAX_CHARS
MOVE_REASON_MAX_CHARS = 1_000


class PanelRanking(models.Model):
    """One per cut-off: open while the panel discusses, frozen when it closes."""

    cutoff = models.OneToOneField(
        "applications.CutOff", on_delete=models.CASCADE, related_name="panel_ranking"
    )
    frozen_at = models.DateTimeField(null=True, blank=True)
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Panel ranking of {self.cutoff}"

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None


class RankingVersion(models.Model):
    """The ranking as it stood after one change: the order of proposal ids, best first, and
    what changed (a move with its reason, or a recomputation from the scores)."""

    ranking = models.ForeignKey(PanelRanking, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    order = models.JSONField(validators=[RANKING_JSON_LIMITS])  # [proposal_id, ...]
    # {"proposal": id, "from": position, "to": position} for a move; {} for a recomputation.
    change = models.JSONField(default=dict, blank=True, validators=[RANKING_JSON_LIMITS])
    reason = models.TextField(
        blank=True,
        max_length=MOVE_REASON_MAX_CHARS,
        validators=text_validators(MOVE_REASON_MAX_CHARS),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["ranking", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["ranking", "number"], name="unique_ranking_version")
        ]

    def __str__(self) -> str:
        return f"Version {self.number} of {self.ranking}"


class PanelNote(models.Model):
    """What the panel said about a proposal; staff and panel only, never the applicant."""

    proposal = models.ForeignKey(
        "applications.Proposal", on_delete=models.CASCADE, related_name="panel_notes"
    )
    text = models.TextField(
        max_length=PANEL_NOTE_MAX_CHARS, validators=text_validators(PANEL_NOTE_MAX_CHARS)
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["proposal", "created_at", "pk"]

    def __str__(self) -> str:
        return f"Panel note on proposal {self.proposal_id}"


class FundingLineApplication(models.Model):
    """The funding line applied to a cut-off, from one frozen ranking version: once per cut-off
    (the unique cut-off makes a second, simultaneous application fail instead of awarding
    twice). `result` records each proposal's decision and hours as applied."""

    cutoff = models.OneToOneField(
        "applications.CutOff", on_delete=models.CASCADE, related_name="funding_line"
    )
    version = models.ForeignKey(RankingVersion, on_delete=models.PROTECT, related_name="+")
    waitlist_size = models.PositiveSmallIntegerField(default=0)
    result = models.JSONField(validators=[RANKING_JSON_LIMITS])
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    applied_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Funding line of {self.cutoff}"
