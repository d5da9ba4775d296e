"""The notification outbox: queue as data first, deliver after commit, send each key at most once."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from portal.models import Notification

logger = logging.getLogger(__name__)


def _render(template: str, context: dict[str, Any]) -> tuple[str, str, str]:
    """Templates live at templates/notifications/<template>_{subject,body}.txt and _body.html."""
    ctx = {"site_url": settings.SITE_URL, **context}
    subject = render_to_string(f"notifications/{template}_subject.txt", ctx)
    subject = " ".join(subject.split())
    text = render_to_string(f"notifications/{template}_body.txt", ctx)
    try:
        html = render_to_string(f"notifications/{template}_body.html", ctx)
    except Exception:  # an HTML part is optional  # noqa: BLE001
        html = ""
    return subject, text, html


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
            )
    except IntegrityError:
        # Another process queued the same key between our check and insert.
        return Notification.objects.get(idempotency_key=idempotency_key)
    transaction.on_commit(lambda: _schedule_delivery(notification.pk))
    return notification


def _schedule_delivery(notification_id: int) -> None:
    from portal.tasks import deliver_notification

    try:
        deliver_notification.delay(notification_id)
    except Exception:  # broker down: the row stays queued and the sweeper retries it  # noqa: BLE001
        logger.exception("Could not enqueue delivery of notification %s", notification_id)


def notification_deliver(*, notification_id: int) -> Notification:
    """Send one queued notification. Claims the row first, so two workers never both send it.

    Raises the mail backend's error after recording it; the task decides whether to retry.
    """
    with transaction.atomic():
        claimed = Notification.objects.filter(
            pk=notification_id,
            status__in=[Notification.Status.QUEUED, Notification.Status.FAILED],
        ).update(status=Notification.Status.SENDING)
    notification = Notification.objects.get(pk=notification_id)
    if not claimed:
        return notification  # already sent, or being sent by another worker
    message = EmailMultiAlternatives(
        subject=notification.subject,
        body=notification.body_text,
        to=[notification.to_email],
    )
    if notification.body_html:
        message.attach_alternative(notification.body_html, "text/html")
    try:
        for item in notification.attachments:
            with default_storage.open(item["path"], "rb") as fh:
                message.attach(item["filename"], fh.read(), item.get("mimetype", "application/pdf"))
        message.send(fail_silently=False)
    except Exception as exc:
        Notification.objects.filter(pk=notification_id).update(
            status=Notification.Status.FAILED,
            attempts=notification.attempts + 1,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        raise
    Notification.objects.filter(pk=notification_id).update(
        status=Notification.Status.SENT,
        attempts=notification.attempts + 1,
        last_error="",
        sent_at=timezone.now(),
    )
    notification.refresh_from_db()
    return notification


def notifications_requeue_stale(*, older_than: timedelta = timedelta(minutes=10)) -> int:
    """Re-schedule rows left queued (broker was down) or stuck sending (worker died)."""
    cutoff = timezone.now() - older_than
    stale = list(
        Notification.objects.filter(
            status__in=[Notification.Status.QUEUED, Notification.Status.SENDING],
            created_at__lt=cutoff,
            attempts__lt=settings.NOTIFICATION_MAX_ATTEMPTS,
        ).values_list("pk", flat=True)
    )
    Notification.objects.filter(pk__in=stale, status=Notification.Status.SENDING).update(
        status=Notification.Status.QUEUED
    )
    for pk in stale:
        _schedule_delivery(pk)
    return len(stale)
