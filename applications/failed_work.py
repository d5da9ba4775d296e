"""Proposal PDFs given up after their last attempt, on the portal's failed-work page."""

from __future__ import annotations

from portal.failed_work import FailedRow, FailedWorkKind, register


def _given_up_pdfs():
    from applications.models import PdfStatus, Proposal

    return (
        Proposal.objects.filter(pdf_status=PdfStatus.FAILED, pdf_next_attempt_at__isnull=True)
        .only("pk", "reference", "title", "pdf_attempts", "pdf_error")
        .order_by("-pk")
    )


def _describe(proposal) -> FailedRow:
    return FailedRow(
        pk=proposal.pk,
        what=f"PDF of proposal {proposal.reference}",
        detail=proposal.title or "Untitled proposal",
        attempts=proposal.pdf_attempts,
        error=proposal.pdf_error,
        when=None,
    )


def _requeue(proposal, *, by=None) -> None:
    from applications.services.proposals import proposal_pdf_retry

    proposal_pdf_retry(proposal=proposal, by=by)


def register_failed_work() -> None:
    register(
        FailedWorkKind(
            key="proposal-pdfs",
            title="Proposal PDFs",
            rows=_given_up_pdfs,
            describe=_describe,
            requeue=_requeue,
        )
    )
