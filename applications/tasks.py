"""Background work on proposals. Tasks are thin: they take ids and run a service; all are safe to
run twice."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings


@shared_task(bind=True, max_retries=None, acks_late=True)
def render_proposal_pdf(self, proposal_id: int) -> str:
    """Render the submitted proposal's PDF and queue the receipts; retry with backoff on failure.

    The failure is recorded on the proposal (PDF failed, attempts, error) by the service, so it
    is visible while the task retries; the submission itself is never undone.
    """
    from applications.models import Proposal
    from applications.services.proposals import proposal_pdf_given_up, proposal_pdf_render

    try:
        proposal = proposal_pdf_render(proposal_id=proposal_id)
    except Proposal.DoesNotExist:
        return "missing"
    except Exception as exc:
        attempts = (
            Proposal.objects.filter(pk=proposal_id).values_list("pdf_attempts", flat=True).first()
            or 0
        )
        if attempts >= settings.PROPOSAL_PDF_MAX_ATTEMPTS:
            proposal_pdf_given_up(proposal_id=proposal_id)
            return "failed"
        backoff = settings.PROPOSAL_PDF_RETRY_BACKOFF_SECONDS
        countdown = min(backoff * (2 ** max(attempts - 1, 0)), 3600)
        raise self.retry(exc=exc, countdown=countdown) from exc
    return proposal.pdf_status


@shared_task
def requeue_pending_proposal_pdfs() -> int:
    """Re-queue PDFs left pending (broker down at submission) or given up by their task."""
    from applications.services.proposals import proposal_pdfs_requeue_stale

    return proposal_pdfs_requeue_stale()


@shared_task
def close_passed_cutoffs() -> int:
    """Periodic: close every passed cut-off; its drafts roll over to the next one."""
    from applications.services.proposals import cutoffs_close_passed

    return cutoffs_close_passed()
