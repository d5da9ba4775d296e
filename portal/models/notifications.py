from django.conf import settings
from django.db import models
from django.db.models import Q

from portal.validators import MAIL_TEXT_MAX_CHARS, text_validators


class Notification(models.Model):
    """An outbox row: one email to one recipient, rendered when queued, delivered by a Celery task.

    The idempotency key makes enqueueing and delivery safe to repeat: a key is sent at most once.
    A row's life: queued -> sending -> sent, or -> failed (retried while `next_attempt_at` is set;
    a failed row without it was given up and needs a person to look at it and re-queue it).
    A mail someone must read before it goes (a decision) starts held instead: it is never swept
    or delivered until released (-> queued), and may be edited meanwhile; a held mail that a
    later one replaces is discarded and never sent. Held mails carry a batch label ("cutoff:12")
    that the app which held them chooses, so the core can list and release them without knowing
    what a cut-off is.
    The database, not the broker, holds the schedule: `next_attempt_at` says when the sweeper may
    hand the row to a worker again, so a message lost with the broker only delays the row.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        HELD = "held", "Held for review"
        DISCARDED = "discarded", "Discarded"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
    )
    to_email = models.EmailField()
    template = models.CharField(max_length=120, help_text="Template name the message came from.")
    context = models.JSONField(default=dict, blank=True)
    subject = models.CharField(max_length=255)
    body_text = models.TextField(
        max_length=MAIL_TEXT_MAX_CHARS, validators=text_validators(MAIL_TEXT_MAX_CHARS)
    )
    body_html = models.TextField(blank=True)
    # Files to attach, as [{"path": <default storage path>, "filename": ..., "mimetype": ...}].
    attachments = models.JSONField(default=list, blank=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # When the sweeper may (re)schedule delivery; empty once sent or given up. While a row is
    # sending it is the end of the worker's lease: past it, the worker is taken for lost.
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # When a worker claimed the row for sending (the last attempt's start).
    claimed_at = models.DateTimeField(null=True, blank=True)
    # When delivery was given up after the last attempt (site administrators are alerted).
    given_up_at = models.DateTimeField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=200, unique=True)
    # Account mails (confirmation links, password resets) carry secrets: not shown in the portal.
    show_in_portal = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # Held mails: the batch they are reviewed and released in, set by the app that held them
    # ("cutoff:12"), and what each is about, for the reviewer (a proposal's reference).
    batch = models.CharField(max_length=64, blank=True)
    about = models.CharField(max_length=80, blank=True)
    # Edits of a held mail: a counter against lost updates between two reviewers, and the last.
    revision = models.PositiveIntegerField(default=0)
    edited_at = models.DateTimeField(null=True, blank=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "status"]),
            # The review page lists a batch's held mails; most rows have no batch.
            models.Index(
                fields=["batch", "status", "id"],
                name="notification_batch_status",
                condition=~Q(batch=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} -> {self.to_email} ({self.status})"

    @property
    def will_retry(self) -> bool:
        return self.status == self.Status.FAILED and self.next_attempt_at is not None

    @property
    def is_given_up(self) -> bool:
        return self.status == self.Status.FAILED and self.next_attempt_at is None

    @property
    def portal_link(self) -> str:
        """Where in the portal the message points (the proposal, the organisation...), if anywhere.

        Senders put a site-relative path in the context as `proposal_path` or `url`; absolute
        links (e.g. an invitation link for someone not yet signed up) are mail-only.
        """
        for key in ("proposal_path", "url"):
            value = self.context.get(key) if isinstance(self.context, dict) else None
            if isinstance(value, str) and value.startswith("/") and not value.startswith("//"):
                return value
        return ""
