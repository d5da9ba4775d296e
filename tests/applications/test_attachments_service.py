"""Attachments: PDF only, judged by content; a size limit; stored privately; clear errors."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter

from applications.models import Attachment
from applications.services.proposals import attachment_add, attachment_delete, proposal_submit
from portal.models import Activity
from tests.factories import ProposalFactory, SubmittableProposalFactory, UserFactory, pdf_bytes

pytestmark = pytest.mark.django_db


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def test_a_pdf_is_stored_privately_under_an_unguessable_name():
    proposal = ProposalFactory()
    attachment = attachment_add(
        proposal=proposal,
        by=proposal.created_by,
        uploaded_file=upload("Business plan 2026.pdf", pdf_bytes(pages=2)),
        kind="business",
    )
    assert attachment.original_name == "Business plan 2026.pdf"
    assert attachment.file.name.startswith(f"proposals/{proposal.pk}/")
    assert "Business plan" not in attachment.file.name
    assert attachment.size_bytes == len(pdf_bytes(pages=2))
    with default_storage.open(attachment.file.name, "rb") as fh:
        assert fh.read(5) == b"%PDF-"
    assert Activity.objects.filter(verb="attachment.upload").exists()


def test_a_renamed_executable_is_refused_with_a_clear_error():
    proposal = ProposalFactory()
    executable = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200
    with pytest.raises(ValidationError) as error:
        attachment_add(
            proposal=proposal,
            by=proposal.created_by,
            uploaded_file=upload("annex.pdf", executable),
            kind="technical",
        )
    message = error.value.message_dict["file"][0]
    assert message.startswith("'annex.pdf' is not a PDF file:")
    assert "%PDF-" in message
    assert not Attachment.objects.exists()


def test_a_file_with_the_signature_but_no_readable_pdf_is_refused():
    proposal = ProposalFactory()
    with pytest.raises(ValidationError) as error:
        attachment_add(
            proposal=proposal,
            by=proposal.created_by,
            uploaded_file=upload("broken.pdf", b"%PDF-1.7\nthis is not really a PDF\n"),
            kind="technical",
        )
    assert "'broken.pdf' is not a PDF file: it could not be read" in error.value.messages[0]


def test_a_password_protected_pdf_is_refused():
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt(user_password="secret", owner_password="secret")
    buffer = io.BytesIO()
    writer.write(buffer)
    proposal = ProposalFactory()
    with pytest.raises(ValidationError, match="password-protected"):
        attachment_add(
            proposal=proposal,
            by=proposal.created_by,
            uploaded_file=upload("locked.pdf", buffer.getvalue()),
            kind="other",
        )


def test_the_size_limit_comes_from_the_settings(settings):
    settings.PROPOSAL_ATTACHMENT_MAX_BYTES = 1024 * 1024
    proposal = ProposalFactory()
    big = pdf_bytes() + b"%" + b"x" * (1024 * 1024)
    with pytest.raises(ValidationError) as error:
        attachment_add(
            proposal=proposal,
            by=proposal.created_by,
            uploaded_file=upload("huge.pdf", big),
            kind="other",
        )
    message = error.value.message_dict["file"][0]
    assert "'huge.pdf' is 1.0 MB" in message
    assert "at most 1.0 MB" in message


def test_an_unknown_kind_is_refused():
    proposal = ProposalFactory()
    with pytest.raises(ValidationError) as error:
        attachment_add(
            proposal=proposal,
            by=proposal.created_by,
            uploaded_file=upload("a.pdf", pdf_bytes()),
            kind="selfie",
        )
    assert "kind" in error.value.message_dict


def test_outsiders_cannot_upload_and_nothing_is_added_after_submission():
    proposal = SubmittableProposalFactory()
    with pytest.raises(PermissionDenied):
        attachment_add(
            proposal=proposal,
            by=UserFactory(),
            uploaded_file=upload("a.pdf", pdf_bytes()),
            kind="other",
        )
    proposal_submit(proposal=proposal, by=proposal.created_by)
    with pytest.raises(ValidationError, match="can no longer be edited"):
        attachment_add(
            proposal=proposal,
            by=proposal.created_by,
            uploaded_file=upload("a.pdf", pdf_bytes()),
            kind="other",
        )


def test_deleting_an_attachment_removes_its_file(django_capture_on_commit_callbacks):
    proposal = ProposalFactory()
    attachment = attachment_add(
        proposal=proposal,
        by=proposal.created_by,
        uploaded_file=upload("a.pdf", pdf_bytes()),
        kind="other",
    )
    name = attachment.file.name
    with django_capture_on_commit_callbacks(execute=True):
        attachment_delete(proposal=proposal, by=proposal.created_by, attachment=attachment)
    assert not Attachment.objects.exists()
    assert not default_storage.exists(name)
