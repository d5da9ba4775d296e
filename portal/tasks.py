"""Background work of the portal core. Thin wrappers around services; they take ids."""

from celery import shared_task
from django.utils import timezone

from portal.models import Notification
from portal.services.notifications import notification_deliver, notifications_sweep


@shared_task(bind=True, acks_late=True, ignore_result=True)
def deliver_notification(self, notification_id: int) -> str:
    """Deliver one outbox row; after a failure, try again when the service planned it."""
    try:
        return notification_deliver(notification_id=notification_id).status
    except Notification.DoesNotExist:
        return "missing"
    except Exception as exc:
        notification = Notification.objects.filter(pk=notification_id).first()
        # In process (no broker) a retry would run at once and block the request: the sweeper
        # takes it from there. A row given up waits for a person.
        if notification is None or not notification.will_retry or self.request.is_eager:
            return Notification.Status.FAILED
        countdown = max((notification.next_attempt_at - timezone.now()).total_seconds(), 0)
        raise self.retry(exc=exc, countdown=countdown, max_retries=None) from exc


@shared_task(ignore_result=True)
def sweep_notification_outbox() -> dict:
    """Periodic (beat): re-schedule queued rows whose task was lost and failed rows now due."""
    result = notifications_sweep()
    return {"scheduled": result.scheduled, "interrupted": result.interrupted}
