"""Background work of the portal core. Thin wrappers around services; they take ids."""

from celery import shared_task

from portal.models import Notification
from portal.services.notifications import notification_deliver, notifications_sweep


@shared_task(acks_late=True, ignore_result=True)
def deliver_notification(notification_id: int) -> str:
    """Deliver one outbox row. A failure is recorded on the row with its next try, which the
    sweeper schedules: no retry waits in the worker (or in the broker) for its countdown."""
    try:
        return notification_deliver(notification_id=notification_id).status
    except Notification.DoesNotExist:
        return "missing"


@shared_task(ignore_result=True)
def sweep_notification_outbox() -> dict:
    """Periodic (beat): hand due rows to the workers; take back rows whose worker was lost."""
    result = notifications_sweep()
    return {
        "scheduled": result.scheduled,
        "interrupted": result.interrupted,
        "given_up": result.given_up,
    }
