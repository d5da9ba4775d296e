"""The PDF of a submitted proposal: render and store it, send the receipts, retry and requeue.

As with the notification outbox, the proposal row holds the schedule (`pdf_next_attempt_at`) and
a sweep every minute queues what is due: no retry waits in a worker or in the broker."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from applications.models import PdfStatus, Proposal
from applications.selectors.proposals import describe_instant
from portal.services.activity import activity_record
from portal.services.notifications import (
    notification_enqueue,
    work_given_up_alert,
    write_on_fresh_connection,
)

from ._common import _lock, _proposal_context, _queue_pdf, _team_recipients, pdf_requeue_at

logger = logging.getLogger("applications.services.proposals")
SWEEP_BATCH = 500


INTERRUPTED_ERROR = "The worker stopped while rendering (it was stopped, or lost the database)."
CLOCK_SLACK = timedelta(seconds=2)


def _lease_end(now):
    return now + timedelta(seconds=settings.PROPOSAL_PDF_RENDER_LEASE_SECONDS)


def proposal_pdf_render(*, proposal_id: int) -> Proposal:
    """Render and store the PDF of a submitted proposal, then queue the receipts. Idempotent.

    Claims an attempt first (waiting, or failed and due, or rendering past its lease -> rendering,
    counting the attempt, in one UPDATE), so that two tasks for one proposal do not both render.
    A failure is recorded on the proposal with its next try, which the sweep starts; after the
    last attempt the PDF is given up (see proposal_pdf_given_up). Never raises for a failed render.
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
    now = timezone.now()
    lease_end = _lease_end(now)
    due = Q(pdf_next_attempt_at__lte=now + CLOCK_SLACK)
    unfinished = Q(pdf_status=PdfStatus.PENDING) | Q(
        due, pdf_status__in=[PdfStatus.FAILED, PdfStatus.RENDERING]
    )
    claimed = Proposal.objects.filter(
        Q(unfinished, pdf_attempts__lt=settings.PROPOSAL_PDF_MAX_ATTEMPTS)
        | Q(pdf_status=PdfStatus.READY),  # ready, but its file is gone: render it again
        pk=proposal_id,
    ).update(
        pdf_status=PdfStatus.RENDERING,
        pdf_attempts=F("pdf_attempts") + 1,
        pdf_next_attempt_at=lease_end,
    )
    if not claimed:
        return proposal  # rendering elsewhere, not due, or given up
    attempts = proposal.pdf_attempts + 1
    ours = Proposal.objects.filter(
        pk=proposal_id, pdf_status=PdfStatus.RENDERING, pdf_next_attempt_at=lease_end
    )
    try:
        content = proposal_pdf_bytes(proposal=proposal)
    except Exception as exc:
        logger.warning("PDF of proposal %s failed (attempt %s): %s", proposal_id, attempts, exc)
        error = f"{type(exc).__name__}: {exc}"[:2000]
        retrying = attempts < settings.PROPOSAL_PDF_MAX_ATTEMPTS
        backoff = settings.PROPOSAL_PDF_RETRY_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0)
        write_on_fresh_connection(
            lambda: ours.update(
                pdf_status=PdfStatus.FAILED,
                pdf_error=error,
                pdf_next_attempt_at=(
                    timezone.now() + timedelta(seconds=min(backoff, 3600)) if retrying else None
                ),
            ),
            what=f"PDF of proposal {proposal_id} failed",
        )
        if not retrying:

            def give_up() -> int:
                proposal_pdf_given_up(proposal_id=proposal_id)
                return 1

            write_on_fresh_connection(give_up, what=f"PDF of proposal {proposal_id} given up")
        proposal.refresh_from_db()
        return proposal
    old_name = proposal.pdf.name
    name = default_storage.save(
        f"proposals/{proposal.pk}/{proposal.reference}-{uuid.uuid4().hex[:8]}.pdf",
        ContentFile(content),
    )

    @transaction.atomic
    def store() -> int:
        Proposal.objects.filter(pk=proposal_id).update(
            pdf=name,
            pdf_status=PdfStatus.READY,
            pdf_error="",
            pdf_rendered_at=timezone.now(),
            pdf_next_attempt_at=None,
        )
        proposal.refresh_from_db()
        activity_record(actor=None, verb="proposal_pdf.render", target=proposal)
        proposal_receipt_enqueue(proposal=proposal)
        return 1

    write_on_fresh_connection(store, what=f"PDF of proposal {proposal_id} rendered")
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
    """The PDF failed its last attempt: log it, alert the site administrators (they re-queue it
    once the cause is mended), and send the team its receipt now, without the PDF, rather than
    leave a submission unconfirmed. Idempotent (the receipt has its own key)."""
    proposal = _lock(Proposal(pk=proposal_id))
    if proposal.pdf_status == PdfStatus.READY:
        return proposal
    activity_record(
        actor=None,
        verb="proposal_pdf.fail",
        target=proposal,
        data={"attempts": proposal.pdf_attempts, "error": proposal.pdf_error[:500]},
    )
    proposal_receipt_enqueue(proposal=proposal, with_pdf=False)
    work_given_up_alert(what=f"the PDF of proposal {proposal.reference}")
    return proposal


@transaction.atomic
def proposal_pdf_retry(*, proposal: Proposal, by=None) -> Proposal:
    """Queue the PDF again, with a full set of attempts (site administrators and officers)."""
    proposal = _lock(proposal)
    if not proposal.reference or proposal.pdf_status in (PdfStatus.READY, PdfStatus.RENDERING):
        return proposal
    proposal.pdf_status = PdfStatus.PENDING
    proposal.pdf_attempts = 0
    proposal.pdf_next_attempt_at = pdf_requeue_at(timezone.now())
    proposal.save(update_fields=["pdf_status", "pdf_attempts", "pdf_next_attempt_at", "updated_at"])
    activity_record(actor=by, verb="proposal_pdf.requeue", target=proposal)
    proposal_id = proposal.pk
    transaction.on_commit(lambda: _queue_pdf(proposal_id))
    return proposal


def proposal_pdfs_sweep(*, now: datetime | None = None) -> int:
    """Periodic: queue every PDF whose next attempt is due, whatever happened to its last task.

    Due are PDFs waiting whose task never ran (the broker was down or lost it), failed ones whose
    backoff has passed, and ones still rendering past their lease (the worker died): those are
    tried again, or given up if that was the last attempt. Queued PDFs get their next sweep pushed
    back; queuing one that is also in the broker is harmless (the claim lets one task through).
    """
    now = now or timezone.now()
    lost = Proposal.objects.filter(pdf_status=PdfStatus.RENDERING, pdf_next_attempt_at__lte=now)
    last = Q(pdf_attempts__gte=settings.PROPOSAL_PDF_MAX_ATTEMPTS)
    given_up = list(lost.filter(last).values_list("pk", flat=True)[:SWEEP_BATCH])
    lost.filter(pk__in=given_up).update(
        pdf_status=PdfStatus.FAILED, pdf_next_attempt_at=None, pdf_error=INTERRUPTED_ERROR
    )
    for proposal_id in given_up:
        proposal_pdf_given_up(proposal_id=proposal_id)
    lost.exclude(last).update(pdf_status=PdfStatus.FAILED, pdf_error=INTERRUPTED_ERROR)

    due = list(
        Proposal.objects.filter(
            pdf_status__in=[PdfStatus.PENDING, PdfStatus.FAILED], pdf_next_attempt_at__lte=now
        )
        .order_by("pdf_next_attempt_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    Proposal.objects.filter(
        pk__in=due, pdf_status__in=[PdfStatus.PENDING, PdfStatus.FAILED]
    ).update(pdf_status=PdfStatus.PENDING, pdf_next_attempt_at=pdf_requeue_at(now))
    for proposal_id in due:
        _queue_pdf(proposal_id)
    return len(due)
