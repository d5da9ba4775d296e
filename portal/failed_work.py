"""Background work given up after its last attempt, listed for the site administrators.

Each kind of work registers itself here: the portal's own outbox below, proposal PDFs from the
applications app (in its AppConfig.ready), so the portal core never imports a higher app. The
failed-work page lists every kind and re-queues a row, or all of a kind, in one click.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

# Re-queue all re-queues at most this many rows at once (the oldest first); press it again.
REQUEUE_ALL_BATCH = 500


@dataclass(frozen=True)
class FailedRow:
    pk: int
    what: str
    detail: str
    attempts: int
    error: str
    when: datetime | None


@dataclass(frozen=True)
class FailedWorkKind:
    key: str
    title: str
    # The given-up rows, newest first, loaded with what `describe` reads (no query per row).
    rows: Callable[[], QuerySet]
    describe: Callable[[Any], FailedRow]
    requeue: Callable[..., Any]  # (row, by=user) -> Any


KINDS: dict[str, FailedWorkKind] = {}


def register(kind: FailedWorkKind) -> None:
    KINDS[kind.key] = kind


def _given_up_notifications() -> QuerySet:
    from portal.models import Notification

    return Notification.objects.filter(
        status=Notification.Status.FAILED, next_attempt_at__isnull=True
    ).order_by("-given_up_at", "-id")


def _describe_notification(notification) -> FailedRow:
    return FailedRow(
        pk=notification.pk,
        what=notification.subject,
        detail=f"To {notification.to_email}",
        attempts=notification.attempts,
        error=notification.last_error,
        when=notification.given_up_at or notification.claimed_at,
    )


def _requeue_notification(notification, *, by=None) -> None:
    from portal.services.notifications import notification_requeue

    notification_requeue(notification=notification)


register(
    FailedWorkKind(
        key="emails",
        title="Emails",
        rows=_given_up_notifications,
        describe=_describe_notification,
        requeue=_requeue_notification,
    )
)
