from django.conf import settings
from django.db import models


class Notification(models.Model):
    """An outbox row: one email to one recipient, rendered when queued, delivered by a Celery task.

    The idempotency key makes enqueueing and delivery safe to repeat: a key is sent at most once.
    A row's life: queued -> sending -> sent, or -> failed (retried while `next_attempt_at` is set;
    a failed row without it was given up and needs a person to look at it and re-queue it).
    The database, not the broker, holds the schedule: `next_attempt_at` says when the sweeper may
    hand the row to a worker again, so a message lost with the broker only delays the row.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

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
    body_text = models.TextField()
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

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "status"])]

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
