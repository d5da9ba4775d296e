"""Background work on proposals. Tasks are thin: they take ids and run a service; all are safe to
run twice."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def render_proposal_pdf(proposal_id: int) -> str:
    """Render the submitted proposal's PDF and queue the receipts.

    A failure is recorded on the proposal (PDF failed, attempts, error, next try) by the service;
    the sweep starts the next try when it is due. The submission itself is never undone.
    """
    from applications.models import Proposal
    from applications.services.proposals import proposal_pdf_render

    try:
        return proposal_pdf_render(proposal_id=proposal_id).pdf_status
    except Proposal.DoesNotExist:
        return "missing"


@shared_task
def sweep_proposal_pdfs() -> int:
    """Periodic: queue the PDFs whose next attempt is due (a retry, a lost task, a lost worker)."""
    from applications.services.proposals import proposal_pdfs_sweep

    return proposal_pdfs_sweep()


@shared_task
def close_passed_cutoffs() -> int:
    """Periodic: close every passed cut-off; its drafts roll over to the next one."""
    from applications.services.proposals import cutoffs_close_passed

    return cutoffs_close_passed()


@shared_task
def close_passed_replies() -> int:
    """Periodic: proposals whose reply deadline has passed go to the panel."""
    from applications.services.replies import replies_close_passed

    return replies_close_passed()
