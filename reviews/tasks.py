"""Background work of the evaluation. Thin wrappers around services."""

from celery import shared_task

from reviews.services.assessments import assessments_sweep


@shared_task(ignore_result=True)
def sweep_technical_assessments() -> dict:
    """Periodic (beat): open missing assessments, remind before deadlines, mark overdue ones."""
    result = assessments_sweep()
    return {"opened": result.opened, "reminded": result.reminded, "overdue": result.overdue}


@shared_task(ignore_result=True)
def send_review_reminders() -> dict:
    """Periodic (beat): remind reviewers 7 and 2 days before a review's deadline, then once when
    it is overdue; each at most once."""
    from reviews.services.reviews import review_reminders_send

    result = review_reminders_send()
    return {"reminded": result.reminded, "overdue": result.overdue}
