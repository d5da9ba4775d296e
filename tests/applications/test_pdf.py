"""The PDF of a submitted proposal: a real PDF, attached to the receipt; failures never undo the
submission and stay visible."""

from __future__ import annotations

import io

import pytest
from django.core.files.storage import default_storage
from pypdf import PdfReader

from applications.models import PdfStatus, ProposalStatus
from applications.pdf import proposal_pdf_bytes
from applications.services.proposals import (
    proposal_pdf_retry,
    proposal_pdfs_requeue_stale,
    proposal_submit,
)
from applications.tasks import render_proposal_pdf
from portal.models import Activity, Notification
from portal.pdf import _static_path, render_pdf
from tests.factories import SubmittableProposalFactory

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


def test_a_render_failure_leaves_the_proposal_submitted_and_the_failure_visible(
    django_capture_on_commit_callbacks, monkeypatch, settings, mailoutbox
):
    settings.PROPOSAL_PDF_MAX_ATTEMPTS = 3

    def broken(*, proposal):
        raise RuntimeError("Pango is not installed")

    monkeypatch.setattr("applications.pdf.proposal_pdf_bytes", broken)
    proposal = submitted(django_capture_on_commit_callbacks)

    assert proposal.status == ProposalStatus.SUBMITTED
    assert proposal.reference
    assert proposal.pdf_status == PdfStatus.FAILED
    assert proposal.pdf_attempts == 3  # retried up to the limit, then left failed
    assert "Pango is not installed" in proposal.pdf_error
    assert not proposal.pdf
    # The task gave up: that is logged, and the team is not left without a receipt.
    failed = Activity.objects.get(verb="proposal PDF failed")
    assert failed.data["attempts"] == 3 and "Pango" in failed.data["error"]
    (receipt,) = [m for m in mailoutbox if proposal.reference in m.subject]
    assert receipt.attachments == []
    assert "could not be prepared yet" in receipt.body
    assert "safe and complete" in receipt.alternatives[0][0]

    # Once rendering works again, a retry renders it and the receipt with the PDF goes out.
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        proposal_pdf_retry(proposal=proposal)
    proposal.refresh_from_db()
    assert proposal.pdf_status == PdfStatus.READY
    assert proposal.pdf_error == ""
    with_pdf = [m for m in mailoutbox if proposal.reference in m.subject and m.attachments]
    assert len(with_pdf) == 1 and "is attached as a PDF" in with_pdf[0].body
    assert Activity.objects.filter(verb="rendered proposal PDF").exists()


def test_the_sweeper_tries_a_given_up_pdf_again_a_bounded_number_of_times(
    django_capture_on_commit_callbacks, monkeypatch, settings, client
):
    settings.PROPOSAL_PDF_MAX_ATTEMPTS = 2
    settings.PROPOSAL_PDF_SWEEP_MAX_ATTEMPTS = 4

    def broken(*, proposal):
        raise RuntimeError("font cache corrupt")

    monkeypatch.setattr("applications.pdf.proposal_pdf_bytes", broken)
    proposal = submitted(django_capture_on_commit_callbacks)
    assert (proposal.pdf_status, proposal.pdf_attempts) == (PdfStatus.FAILED, 2)
    client.force_login(proposal.created_by)
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert "is being retried (2 attempts)" in page

    for expected_attempts in (3, 4):
        with django_capture_on_commit_callbacks(execute=True):
            assert proposal_pdfs_requeue_stale() == 1
        proposal.refresh_from_db()
        assert proposal.pdf_attempts == expected_attempts
    assert proposal_pdfs_requeue_stale() == 0  # now a person decides
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert "Rendering failed after 4 attempts" in page
    # One receipt without the PDF, however many times the task gave up.
    assert Notification.objects.filter(idempotency_key__startswith="proposal-receipt-").count() == 1

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        proposal_pdf_retry(proposal=proposal)
    proposal.refresh_from_db()
    assert proposal.pdf_status == PdfStatus.READY


def test_a_broker_failure_keeps_the_submission_and_the_sweeper_requeues(
    django_capture_on_commit_callbacks, monkeypatch
):
    def broker_down(*args, **kwargs):
        raise ConnectionError("Redis is unreachable")

    monkeypatch.setattr(render_proposal_pdf, "delay", broker_down)
    proposal = submitted(django_capture_on_commit_callbacks)
    assert proposal.status == ProposalStatus.SUBMITTED
    assert proposal.pdf_status == PdfStatus.PENDING

    monkeypatch.undo()
    from datetime import timedelta

    with django_capture_on_commit_callbacks(execute=True):
        assert proposal_pdfs_requeue_stale(older_than=timedelta(0)) == 1
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
