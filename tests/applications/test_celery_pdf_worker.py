"""Submission with a real Celery worker on Redis: the worker renders the proposal PDF with
WeasyPrint, stores it, and the receipts go out with the PDF attached — the web request only
locks and numbers the proposal."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage

from applications.models import PdfStatus, Proposal, ProposalStatus
from applications.services.proposals import proposal_submit
from portal.models import Notification
from tests.factories import MembershipFactory, SubmittableProposalFactory, TeamMemberFactory
from tests.portal.test_celery_worker import (  # noqa: F401  (the real-worker fixtures)
    private_redis,
    running_worker,
    worker,
)

pytestmark = [pytest.mark.redis, pytest.mark.postgres]


def _proposal(pk: int) -> Proposal:
    return Proposal.objects.get(pk=pk)


def test_a_real_worker_renders_the_pdf_and_mails_the_receipts(worker):  # noqa: F811
    proposal = SubmittableProposalFactory()
    teammate = MembershipFactory(organisation=proposal.organisation).user
    TeamMemberFactory(proposal=proposal, user=teammate)

    submitted = proposal_submit(proposal=proposal, by=proposal.created_by)

    # The submission is committed and numbered before any background work has run.
    assert submitted.status == ProposalStatus.SUBMITTED
    assert submitted.reference
    worker.wait_for(
        lambda: _proposal(proposal.pk).pdf_status == PdfStatus.READY, "the PDF to be rendered"
    )
    stored = _proposal(proposal.pk).pdf
    with default_storage.open(stored.name, "rb") as fh:
        assert fh.read(5) == b"%PDF-"

    recipients = {proposal.created_by.email, teammate.email}
    worker.wait_for(
        lambda: {to for mail in worker.sent() for to in mail["to"]} >= recipients,
        "the receipts to the PI and the team",
    )
    for mail in worker.sent():
        assert submitted.reference in mail["subject"]
        [attachment] = mail["attachments"]
        assert attachment["is_pdf"] and attachment["mimetype"] == "application/pdf"
        assert attachment["filename"].endswith(".pdf")


def test_a_pdf_whose_retry_waits_through_a_redis_restart_is_rendered_and_the_receipt_sent(
    require_postgresql,
    private_redis,  # noqa: F811
    transactional_db,
    tmp_path,
):
    """The render failed once and its next attempt waits; Redis restarts empty. The proposal row
    says when the attempt is due, so the sweep queues it and the worker, still alive, renders."""
    with running_worker(private_redis.url, tmp_path) as worker:  # noqa: F811
        worker.fail_next_pdf(1)
        proposal = SubmittableProposalFactory()
        proposal_submit(proposal=proposal, by=proposal.created_by)
        worker.wait_for(
            lambda: (
                _proposal(proposal.pk).pdf_next_attempt_at is not None
                and _proposal(proposal.pk).pdf_status == PdfStatus.FAILED
            ),
            "the first render to fail",
        )
        private_redis.restart()

        worker.wait_for(
            lambda: _proposal(proposal.pk).pdf_status == PdfStatus.READY,
            "the PDF to be rendered after the restart",
            sweep=True,
        )
        worker.wait_for(
            lambda: any(mail["attachments"] for mail in worker.sent()),
            "the receipt with the PDF",
            sweep=True,
        )
        assert worker.alive()
        assert _proposal(proposal.pk).pdf_attempts == 2
        assert not Notification.objects.filter(
            idempotency_key__startswith="proposal-receipt-without"
        )
