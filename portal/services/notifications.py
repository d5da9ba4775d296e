"""The notification outbox: queue as data first, deliver after commit, send each key at most once.

A service that must tell someone something calls `notification_enqueue` inside its transaction.
The row is written with the caller's work; delivery is scheduled only when that work commits, so a
rolled-back transaction sends nothing, and a broker that is down never rolls the work back (the row
stays queued and the sweeper schedules it later). Delivery claims the row with one conditional
UPDATE, so two workers running the same task cannot both send it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone

from portal.models import Notification

logger = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(hours=1)
INTERRUPTED_ERROR = (
    "Delivery was interrupted: the worker stopped while sending. The message may or may not have "
    "reached the recipient, so it is not retried automatically; re-queue it if it did not arrive."
)
SWEEP_BATCH = 500
# Tolerance between the retry's ETA and the row's next_attempt_at (clocks of different machines).
CLOCK_SLACK = timedelta(seconds=2)


def _render(template: str, context: dict[str, Any]) -> tuple[str, str, str]:
    """Templates live at templates/notifications/<template>_{subject,body}.txt and _body.html."""
    ctx = {"site_url": settings.SITE_URL, **context}
    subject = render_to_string(f"notifications/{template}_subject.txt", ctx)
    subject = " ".join(subject.split())
    text = render_to_string(f"notifications/{template}_body.txt", ctx)
    try:
        html = render_to_string(f"notifications/{template}_body.html", ctx)
    except TemplateDoesNotExist:  # the HTML part is optional; a broken one still raises
        html = ""
    return subject, text, html


def retry_delay(*, attempts: int) -> timedelta:
    """Wait before the next try after `attempts` failed ones: exponential, capped."""
    seconds = settings.NOTIFICATION_RETRY_BACKOFF_SECONDS * (2 ** max(attempts - 1, 0))
    return min(timedelta(seconds=seconds), MAX_BACKOFF)


def notification_enqueue(
    *,
    to_email: str,
    template: str,
    context: dict[str, Any],
    idempotency_key: str,
    recipient=None,
    attachments: list[dict[str, str]] | None = None,
    rendered: tuple[str, str, str] | None = None,
    show_in_portal: bool = True,
) -> Notification:
    """Queue one email. Safe to call twice with the same key: the second call returns the first row.

    `context` must be JSON-serialisable (ids and strings); `rendered` lets a caller that has
    already rendered the message (allauth's mails) pass subject, text and HTML directly.
    `attachments` are files in the default storage: [{"path", "filename", "mimetype"}].
    Delivery is scheduled on commit, so a rolled-back transaction sends nothing.
    """
    existing = Notification.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    subject, text, html = rendered or _render(template, context)
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                recipient=recipient,
                to_email=to_email,
                template=template,
                context=context,
                subject=subject[:255],
                body_text=text,
                body_html=html,
                attachments=attachments or [],
                idempotency_key=idempotency_key,
                show_in_portal=show_in_portal,
                # If the task is never published or lost, the sweeper picks the row up from here.
                next_attempt_at=timezone.now()
                + timedelta(seconds=settings.NOTIFICATION_REQUEUE_AFTER_SECONDS),
            )
    except IntegrityError:
        # Another process queued the same key between our check and insert.
        return Notification.objects.get(idempotency_key=idempotency_key)
    transaction.on_commit(lambda: schedule_delivery(notification_id=notification.pk))
    return notification


def schedule_delivery(*, notification_id: int) -> bool:
    """Hand one row to the workers. Never raises: a broker that is down leaves the row queued."""
    from portal.tasks import deliver_notification

    try:
        deliver_notification.delay(notification_id)
    except Exception:  # broker down: the sweeper tries again later  # noqa: BLE001
        logger.warning("Could not schedule delivery of notification %s", notification_id)
        return False
    return True


def _build_message(notification: Notification) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=notification.subject,
        body=notification.body_text,
        to=[notification.to_email],
        headers={"X-Portal-Notification": str(notification.pk)},
    )
    if notification.body_html:
        message.attach_alternative(notification.body_html, "text/html")
    for item in notification.attachments:
        with default_storage.open(item["path"], "rb") as fh:
            message.attach(
                item.get("filename") or item["path"].rsplit("/", 1)[-1],
                fh.read(),
                item.get("mimetype") or "application/octet-stream",
            )
    return message


def notification_deliver(*, notification_id: int) -> Notification:
    """Send one notification unless it is already sent or being sent.

    Claims the row first (queued, or failed and due -> sending in one UPDATE): of two workers
    running this at the same time, exactly one sends. A failed row whose retry is not due yet, or
    that was given up (no next try), is left alone. On failure the error is recorded, the attempt
    counted and the next try planned (or the row given up after NOTIFICATION_MAX_ATTEMPTS); then
    the mail backend's exception is raised again so the task can retry.
    """
    now = timezone.now()
    claimable = Q(status=Notification.Status.QUEUED) | Q(
        status=Notification.Status.FAILED, next_attempt_at__lte=now + CLOCK_SLACK
    )
    claimed = Notification.objects.filter(claimable, pk=notification_id).update(
        status=Notification.Status.SENDING, claimed_at=now
    )
    notification = Notification.objects.get(pk=notification_id)
    if not claimed:
        return notification  # already sent, given up, or being sent by another worker
    # Later writes match on our claim, so a worker declared lost cannot overwrite a newer state.
    ours = Notification.objects.filter(
        pk=notification_id, status=Notification.Status.SENDING, claimed_at=now
    )
    attempts = notification.attempts + 1
    try:
        _build_message(notification).send(fail_silently=False)
    except Exception as exc:
        retrying = attempts < settings.NOTIFICATION_MAX_ATTEMPTS
        ours.update(
            status=Notification.Status.FAILED,
            attempts=attempts,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
            next_attempt_at=timezone.now() + retry_delay(attempts=attempts) if retrying else None,
        )
        logger.warning("Notification %s failed (attempt %s): %s", notification_id, attempts, exc)
        raise
    ours.update(
        status=Notification.Status.SENT,
        attempts=attempts,
        last_error="",
        sent_at=timezone.now(),
        next_attempt_at=None,
    )
    notification.refresh_from_db()
    return notification


def notification_requeue(*, notification: Notification) -> Notification:
    """A person asks for another try of a failed row (after fixing an address, say)."""
    Notification.objects.filter(pk=notification.pk, status=Notification.Status.FAILED).update(
        status=Notification.Status.QUEUED,
        next_attempt_at=timezone.now()
        + timedelta(seconds=settings.NOTIFICATION_REQUEUE_AFTER_SECONDS),
    )
    notification.refresh_from_db()
    if notification.status == Notification.Status.QUEUED:
        transaction.on_commit(lambda: schedule_delivery(notification_id=notification.pk))
    return notification


@dataclass(frozen=True)
class SweepResult:
    scheduled: int
    interrupted: int


def notifications_sweep(*, now: datetime | None = None) -> SweepResult:
    """Periodic: schedule rows whose next try is due; mark rows whose worker was lost.

    Due rows are queued ones whose task never ran (broker was down) and failed ones whose backoff
    has passed: they become queued again, with their next sweep pushed back so a long queue is not
    scheduled on every sweep. Scheduling a row that is also in the broker is harmless: the claim
    lets one task through.
    """
    now = now or timezone.now()
    lease = timedelta(seconds=settings.NOTIFICATION_SENDING_LEASE_SECONDS)
    interrupted = Notification.objects.filter(
        status=Notification.Status.SENDING, claimed_at__lt=now - lease
    ).update(status=Notification.Status.FAILED, next_attempt_at=None, last_error=INTERRUPTED_ERROR)

    due = list(
        Notification.objects.filter(
            status__in=[Notification.Status.QUEUED, Notification.Status.FAILED],
            next_attempt_at__lte=now,
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    Notification.objects.filter(
        pk__in=due, status__in=[Notification.Status.QUEUED, Notification.Status.FAILED]
    ).update(
        status=Notification.Status.QUEUED,
        next_attempt_at=now + timedelta(seconds=settings.NOTIFICATION_REQUEUE_AFTER_SECONDS),
    )
    for pk in due:
        schedule_delivery(notification_id=pk)
    return SweepResult(scheduled=len(due), interrupted=interrupted)
