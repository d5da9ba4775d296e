"""The applicant's reply to the reviews (right of reply): opened for a proposal by the programme
office, written with autosave by the team, submitted once before the deadline. The reviewers and
the panel read it; what it answers (the anonymised reviews) is shown by the evaluation."""

from django.conf import settings
from django.db import models

from portal.validators import LONG_TEXT_MAX_CHARS, text_validators

from .proposals import Proposal


class ProposalReply(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"

    proposal = models.OneToOneField(Proposal, on_delete=models.CASCADE, related_name="reply")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    # The word limit is the call's (reply_word_limit); this bounds the stored text whatever it is.
    text = models.TextField(
        blank=True, max_length=LONG_TEXT_MAX_CHARS, validators=text_validators(LONG_TEXT_MAX_CHARS)
    )
    opened_at = models.DateTimeField()
    deadline = models.DateTimeField(help_text="The end of the last working day to reply.")
    # Optimistic concurrency, as for the proposal's own sections (teammates, two tabs).
    version = models.PositiveIntegerField(default=1)
    saved_at = models.DateTimeField(null=True, blank=True)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name_plural = "proposal replies"

    def __str__(self) -> str:
        return f"Reply to the reviews of {self.proposal_id} ({self.get_status_display()})"

    @property
    def is_submitted(self) -> bool:
        return self.status == self.Status.SUBMITTED
