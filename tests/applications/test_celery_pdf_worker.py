"""Submission with a real Celery worker on Redis: the worker renders the proposal PDF with
WeasyPrint, stores it, and the receipts go out with the PDF attached — the web request only
locks and numbers the proposal."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage

from applications.models import PdfStatus, Proposal, ProposalStatus
from applications.services.proposals import proposal_submit
from tests.factories import MembershipFactory, SubmittableProposalFactory, TeamMemberFactory
from tests.portal.test_celery_worker import worker  # noqa: F401  (the real-worker fixture)

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
