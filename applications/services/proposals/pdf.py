"""The PDF of a submitted proposal: render and store it, send the receipts, retry and requeue."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from applications.models import PdfStatus, Proposal
from applications.selectors.proposals import describe_instant
from portal.services.activity import activity_record
from portal.services.notifications import notification_enqueue

from ._common import _lock, _proposal_context, _queue_pdf, _team_recipients


def proposal_pdf_render(*, proposal_id: int) -> Proposal:
    """Render and store the PDF of a submitted proposal, then queue the receipts. Idempotent.

    Records each failure on the proposal (status, attempts, error) before re-raising, so the
    state is visible while the task retries.
    """
    from applications.pdf import proposal_pdf_bytes

    proposal = Proposal.objects.select_related("call", "cutoff", "organisation", "pi").get(
        pk=proposal_id
    )
    if not proposal.reference:
        raise ValueError(f"Proposal {proposal_id} has not been submitted.")
    if (
        proposal.pdf_status == PdfStatus.READY
        and proposal.pdf
        and default_storage.exists(proposal.pdf.name)
    ):
        proposal_receipt_enqueue(proposal=proposal)
        return proposal
    try:
        content = proposal_pdf_bytes(proposal=proposal)
    except Exception as exc:
        Proposal.objects.filter(pk=proposal_id).update(
            pdf_status=PdfStatus.FAILED,
            pdf_attempts=proposal.pdf_attempts + 1,
            pdf_error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        raise
    old_name = proposal.pdf.name
    name = default_storage.save(
        f"proposals/{proposal.pk}/{proposal.reference}-{uuid.uuid4().hex[:8]}.pdf",
        ContentFile(content),
    )
    with transaction.atomic():
        Proposal.objects.filter(pk=proposal_id).update(
            pdf=name,
            pdf_status=PdfStatus.READY,
            pdf_attempts=proposal.pdf_attempts + 1,
            pdf_error="",
            pdf_rendered_at=timezone.now(),
        )
        proposal.refresh_from_db()
        activity_record(actor=None, verb="rendered proposal PDF", target=proposal)
        proposal_receipt_enqueue(proposal=proposal)
    if old_name and old_name != name:
        default_storage.delete(old_name)
    return proposal


def proposal_receipt_enqueue(*, proposal: Proposal, with_pdf: bool = True) -> int:
    """Queue the submission receipt to the PI and each team member, with the PDF attached.

    Without the PDF (it failed for good, see proposal_pdf_given_up) the receipt says the copy
    follows; it has its own key, so the receipt with the PDF still goes out once it renders.
    """
    context = _proposal_context(proposal)
    context.update(
        {
            "submitted_at": describe_instant(proposal.submitted_at, proposal.call.display_timezone),
            "cutoff": describe_instant(proposal.cutoff.at, proposal.call.display_timezone),
            "pdf_to_follow": not with_pdf,
        }
    )
    attachments = (
        [
            {
                "path": proposal.pdf.name,
                "filename": f"{proposal.reference}.pdf",
                "mimetype": "application/pdf",
            }
        ]
        if with_pdf
        else []
    )
    key = "proposal-receipt" if with_pdf else "proposal-receipt-without-pdf"
    recipients = _team_recipients(proposal)
    for user in recipients:
        notification_enqueue(
            to_email=user.email,
            recipient=user,
            template="proposal_receipt",
            context={**context, "recipient_name": user.display_name},
            idempotency_key=f"{key}:{proposal.pk}:{user.pk}",
            attachments=attachments,
        )
    return len(recipients)


@transaction.atomic
def proposal_pdf_given_up(*, proposal_id: int) -> Proposal:
    """The PDF task stopped retrying: log it for the programme office and admins, and send the
    team its receipt now, without the PDF, rather than leave a submission unconfirmed.
    Idempotent (the receipt has its own key)."""
    proposal = _lock(Proposal(pk=proposal_id))
    if proposal.pdf_status == PdfStatus.READY:
        return proposal
    activity_record(
        actor=None,
        verb="proposal PDF failed",
        target=proposal,
        data={"attempts": proposal.pdf_attempts, "error": proposal.pdf_error[:500]},
    )
    proposal_receipt_enqueue(proposal=proposal, with_pdf=False)
    return proposal


@transaction.atomic
def proposal_pdf_retry(*, proposal: Proposal, by=None) -> Proposal:
    """Queue the PDF again after failures (officers and admins use it; so does the sweeper)."""
    proposal = _lock(proposal)
    if not proposal.reference or proposal.pdf_status == PdfStatus.READY:
        return proposal
    proposal.pdf_status = PdfStatus.PENDING
    proposal.pdf_attempts = 0
    proposal.save(update_fields=["pdf_status", "pdf_attempts", "updated_at"])
    activity_record(actor=by, verb="queued proposal PDF again", target=proposal)
    proposal_id = proposal.pk
    transaction.on_commit(lambda: _queue_pdf(proposal_id))
    return proposal


def proposal_pdfs_requeue_stale(*, older_than: timedelta = timedelta(minutes=10)) -> int:
    """Queue again the PDFs still pending long after submission (the broker was down), and those
    whose task gave up, one more attempt per sweep until PROPOSAL_PDF_SWEEP_MAX_ATTEMPTS; after
    that a person queues them again (admin action), once the cause is mended."""
    stale = list(
        Proposal.objects.filter(
            Q(pdf_status=PdfStatus.PENDING, submitted_at__lt=timezone.now() - older_than)
            | Q(
                pdf_status=PdfStatus.FAILED,
                pdf_attempts__gte=settings.PROPOSAL_PDF_MAX_ATTEMPTS,
                pdf_attempts__lt=settings.PROPOSAL_PDF_SWEEP_MAX_ATTEMPTS,
            )
        ).values_list("pk", flat=True)
    )
    for proposal_id in stale:
        _queue_pdf(proposal_id)
    return len(stale)
