"""Background work of the evaluation. Thin wrappers around services."""

from celery import shared_task

from reviews.services.assessments import assessments_sweep


@shared_task(ignore_result=True)
def sweep_technical_assessments() -> dict:
    """Periodic (beat): open missing assessments, remind before deadlines, mark overdue ones."""
    result = assessments_sweep()
    return {"opened": result.opened, "reminded": result.reminded, "overdue": result.overdue}
