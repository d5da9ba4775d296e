from celery import shared_task
from django.conf import settings

from portal.services.notifications import notification_deliver, notifications_requeue_stale


@shared_task(bind=True, max_retries=None, acks_late=True)
def deliver_notification(self, notification_id: int) -> str:
    """Deliver one outbox row; on failure retry with exponential backoff up to the attempt limit."""
    try:
        notification = notification_deliver(notification_id=notification_id)
    except Exception as exc:
        from portal.models import Notification

        attempts = Notification.objects.filter(pk=notification_id).values_list(
            "attempts", flat=True
        ).first() or 0
        if attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
            return "failed"
        countdown = settings.NOTIFICATION_RETRY_BACKOFF_SECONDS * (2 ** (attempts - 1))
        raise self.retry(exc=exc, countdown=countdown) from exc
    return notification.status


@shared_task
def requeue_stale_notifications() -> int:
    return notifications_requeue_stale()
