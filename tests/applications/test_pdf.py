"""The PDF of a submitted proposal: a real PDF, attached to the receipt; failures never undo the
submission and stay visible."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from pypdf import PdfReader

from applications.models import PdfStatus, ProposalStatus
from applications.pdf import proposal_pdf_bytes
from applications.services.proposals import (
    proposal_pdf_retry,
    proposal_pdfs_sweep,
    proposal_submit,
)
from applications.tasks import render_proposal_pdf
from portal.models import Activity, Notification
from portal.pdf import _static_path, render_pdf
from tests.factories import SubmittableProposalFactory, UserFactory

pytestmark = pytest.mark.django_db


def submitted(django_capture_on_commit_callbacks, **kwargs):
    proposal = SubmittableProposalFactory(**kwargs)
    with django_capture_on_commit_callbacks(execute=True):
        proposal_submit(proposal=proposal, by=proposal.created_by)
    proposal.refresh_from_db()
    return proposal


def test_the_task_stores_a_real_pdf_with_the_title_and_reference(
    django_capture_on_commit_callbacks,
):
    proposal = submitted(
        django_capture_on_commit_callbacks, title="Multilingual speech model for Europe"
    )
    assert proposal.pdf_status == PdfStatus.READY
    assert proposal.pdf_rendered_at is not None
    with default_storage.open(proposal.pdf.name, "rb") as fh:
        content = fh.read()
    assert content.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(content))
    first_page = reader.pages[0].extract_text()
    assert "Multilingual speech model for Europe" in first_page
    assert proposal.reference in first_page
    assert reader.metadata.title == f"{proposal.reference} — Multilingual speech model for Europe"
    text = "".join(page.extract_text() for page in reader.pages)
    assert "Pre-training on 64 GPUs" in text  # the resource request's justification
    assert proposal.organisation.legal_name in text


def test_the_receipt_carries_the_pdf(django_capture_on_commit_callbacks, mailoutbox):
    proposal = submitted(django_capture_on_commit_callbacks)
    (receipt,) = [m for m in mailoutbox if proposal.reference in m.subject]
    assert receipt.to == [proposal.created_by.email]
    ((name, content, mimetype),) = receipt.attachments
    assert (name, mimetype) == (f"{proposal.reference}.pdf", "application/pdf")
    assert "Multilingual" not in name
    assert PdfReader(io.BytesIO(content)).pages[0].extract_text().count(proposal.reference) >= 1
    html = receipt.alternatives[0][0]
    assert proposal.reference in html and proposal.reference in receipt.body


def test_running_the_task_again_sends_no_second_receipt(
    django_capture_on_commit_callbacks, mailoutbox
):
    proposal = submitted(django_capture_on_commit_callbacks)
    first_pdf = proposal.pdf.name
    with django_capture_on_commit_callbacks(execute=True):
        render_proposal_pdf.delay(proposal.pk)
    proposal.refresh_from_db()
    assert proposal.pdf.name == first_pdf
    assert Notification.objects.filter(template="proposal_receipt").count() == 1
    assert len([m for m in mailoutbox if proposal.reference in m.subject]) == 1


def _sweep_when_due(proposal, django_capture_on_commit_callbacks) -> int:
    proposal.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        count = proposal_pdfs_sweep(now=proposal.pdf_next_attempt_at + timedelta(seconds=1))
    proposal.refresh_from_db()
    return count


def test_a_render_failure_leaves_the_proposal_submitted_and_the_failure_visible(
    django_capture_on_commit_callbacks, monkeypatch, settings, mailoutbox, client
):
    settings.PROPOSAL_PDF_MAX_ATTEMPTS = 3
    administrator = UserFactory(is_staff=True)

    def broken(*, proposal):
        raise RuntimeError("Pango is not installed")

    monkeypatch.setattr("applications.pdf.proposal_pdf_bytes", broken)
    proposal = submitted(django_capture_on_commit_callbacks)

    assert proposal.status == ProposalStatus.SUBMITTED
    assert proposal.reference
    assert (proposal.pdf_status, proposal.pdf_attempts) == (PdfStatus.FAILED, 1)
    assert "Pango is not installed" in proposal.pdf_error
    assert not proposal.pdf
    # The next try is planned on the row, and the page says so.
    assert proposal.pdf_next_attempt_at > timezone.now()
    client.force_login(proposal.created_by)
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert "is being retried (1 attempt)" in page
    # Not before it is due.
    assert proposal_pdfs_sweep() == 0

    # The sweep starts each retry when due; the last failure gives the PDF up.
    assert _sweep_when_due(proposal, django_capture_on_commit_callbacks) == 1
    assert (proposal.pdf_status, proposal.pdf_attempts) == (PdfStatus.FAILED, 2)
    assert _sweep_when_due(proposal, django_capture_on_commit_callbacks) == 1
    assert (proposal.pdf_status, proposal.pdf_attempts) == (PdfStatus.FAILED, 3)
    assert proposal.pdf_next_attempt_at is None
    assert proposal_pdfs_sweep(now=timezone.now() + timedelta(days=1)) == 0
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert "Rendering failed after 3 attempts" in page

    # Given up: logged, the site administrators alerted, the team not left without a receipt.
    failed = Activity.objects.get(verb="proposal_pdf.fail")
    assert failed.data["attempts"] == 3 and "Pango" in failed.data["error"]
    (alert,) = Notification.objects.filter(template="work_given_up")
    assert alert.recipient == administrator
    assert proposal.reference in alert.subject
    (receipt,) = [
        m for m in mailoutbox if proposal.reference in m.subject and m.to != [administrator.email]
    ]
    assert receipt.attachments == []
    assert "could not be prepared yet" in receipt.body
    assert "safe and complete" in receipt.alternatives[0][0]
    # A stray task for it does nothing.
    render_proposal_pdf.delay(proposal.pk)
    proposal.refresh_from_db()
    assert proposal.pdf_attempts == 3

    # Once rendering works again, a re-queue renders it and the receipt with the PDF goes out.
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        proposal_pdf_retry(proposal=proposal)
    proposal.refresh_from_db()
    assert proposal.pdf_status == PdfStatus.READY
    assert proposal.pdf_error == ""
    assert proposal.pdf_next_attempt_at is None
    with_pdf = [m for m in mailoutbox if proposal.reference in m.subject and m.attachments]
    assert len(with_pdf) == 1 and "is attached as a PDF" in with_pdf[0].body
    assert Activity.objects.filter(verb="proposal_pdf.render").exists()


def test_a_failed_pdf_whose_retry_message_was_lost_is_picked_up_when_due(
    django_capture_on_commit_callbacks, monkeypatch, settings, mailoutbox
):
    """Failed after two of five attempts, and nothing in the broker (Redis restarted): the row
    itself says when the next attempt is due, so the sweep takes it then."""
    settings.PROPOSAL_PDF_MAX_ATTEMPTS = 5
    monkeypatch.setattr(render_proposal_pdf, "delay", lambda *args: None)  # every message lost
    proposal = submitted(django_capture_on_commit_callbacks)
    due = timezone.now() + timedelta(seconds=40)
    type(proposal).objects.filter(pk=proposal.pk).update(
        pdf_status=PdfStatus.FAILED, pdf_attempts=2, pdf_error="OSError", pdf_next_attempt_at=due
    )
    assert proposal_pdfs_sweep(now=due - timedelta(seconds=1)) == 0
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        assert proposal_pdfs_sweep(now=due) == 1
    proposal.refresh_from_db()
    assert (proposal.pdf_status, proposal.pdf_attempts) == (PdfStatus.READY, 3)
    assert [m for m in mailoutbox if proposal.reference in m.subject and m.attachments]


def test_a_pdf_whose_worker_died_while_rendering_is_rendered_after_its_lease(
    django_capture_on_commit_callbacks, monkeypatch, settings
):
    settings.PROPOSAL_PDF_MAX_ATTEMPTS = 2
    monkeypatch.setattr(render_proposal_pdf, "delay", lambda *args: None)
    proposal = submitted(django_capture_on_commit_callbacks)
    lease_end = timezone.now() + timedelta(seconds=settings.PROPOSAL_PDF_RENDER_LEASE_SECONDS)
    type(proposal).objects.filter(pk=proposal.pk).update(
        pdf_status=PdfStatus.RENDERING, pdf_attempts=1, pdf_next_attempt_at=lease_end
    )
    # While the lease runs, a stray task does not render it a second time.
    render_proposal_pdf(proposal.pk)
    proposal.refresh_from_db()
    assert (proposal.pdf_status, proposal.pdf_attempts) == (PdfStatus.RENDERING, 1)
    assert proposal_pdfs_sweep() == 0

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        assert proposal_pdfs_sweep(now=lease_end + timedelta(seconds=1)) == 1
    proposal.refresh_from_db()
    assert (proposal.pdf_status, proposal.pdf_attempts) == (PdfStatus.READY, 2)


def test_a_worker_lost_on_the_last_attempt_gives_the_pdf_up(
    django_capture_on_commit_callbacks, monkeypatch, settings
):
    settings.PROPOSAL_PDF_MAX_ATTEMPTS = 1
    monkeypatch.setattr(render_proposal_pdf, "delay", lambda *args: None)
    proposal = submitted(django_capture_on_commit_callbacks)
    lease_end = timezone.now()
    type(proposal).objects.filter(pk=proposal.pk).update(
        pdf_status=PdfStatus.RENDERING, pdf_attempts=1, pdf_next_attempt_at=lease_end
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert proposal_pdfs_sweep(now=lease_end + timedelta(seconds=1)) == 0
    proposal.refresh_from_db()
    assert (proposal.pdf_status, proposal.pdf_next_attempt_at) == (PdfStatus.FAILED, None)
    assert "worker stopped" in proposal.pdf_error
    assert Notification.objects.filter(idempotency_key__startswith="proposal-receipt-without-pdf")


def test_a_broker_failure_keeps_the_submission_and_the_next_sweep_queues_it(
    django_capture_on_commit_callbacks, monkeypatch
):
    def broker_down(*args, **kwargs):
        raise ConnectionError("Redis is unreachable")

    monkeypatch.setattr(render_proposal_pdf, "delay", broker_down)
    proposal = submitted(django_capture_on_commit_callbacks)
    assert proposal.status == ProposalStatus.SUBMITTED
    assert proposal.pdf_status == PdfStatus.PENDING
    # The hand-over failed: due at once, not after the grace period for lost messages.
    assert proposal.pdf_next_attempt_at <= timezone.now()
    assert proposal_pdfs_sweep() == 1  # the broker is still down: it stays due
    proposal.refresh_from_db()
    assert proposal.pdf_next_attempt_at <= timezone.now()

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        assert proposal_pdfs_sweep() == 1
    proposal.refresh_from_db()
    assert proposal.pdf_status == PdfStatus.READY


def test_the_pdf_renders_a_draft_too_for_previews():
    proposal = SubmittableProposalFactory()
    content = proposal_pdf_bytes(proposal=proposal)
    assert content.startswith(b"%PDF")


def test_static_files_resolve_from_disk_and_other_urls_are_refused(settings):
    assert _static_path(settings.SITE_URL + "/static/css/portal.css").endswith("portal.css")
    assert _static_path("https://example.org/static/css/portal.css") is not None  # path only
    assert _static_path("http://169.254.169.254/latest/meta-data") is None
    assert _static_path(settings.SITE_URL + "/static/../portal/settings/__init__.py") is None


def test_render_pdf_does_not_fetch_remote_resources(tmp_path, settings, monkeypatch):
    import socket

    attempts = []

    def no_network(address, *args, **kwargs):
        attempts.append(address)
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket, "create_connection", no_network)
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    (tmp_path / "remote.html").write_text(
        "<html><head><title>Remote</title></head><body><p>Hello PDF</p>"
        '<img src="http://192.0.2.1/tracker.png"></body></html>'
    )
    content = render_pdf(template="remote.html")
    assert "Hello PDF" in PdfReader(io.BytesIO(content)).pages[0].extract_text()
    assert attempts == []


def test_the_benchmark_figure_renders_a_full_submission():
    from applications.benchmarks import proposal_pdf_rendering
    from portal.benchmarking import BenchContext

    render = proposal_pdf_rendering(BenchContext())
    reader = PdfReader(io.BytesIO(render()))
    assert len(reader.pages) >= 3
    assert "Open multilingual foundation model" in reader.pages[0].extract_text()
