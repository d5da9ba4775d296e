"""PDF attachments of a proposal, and the content check every uploaded PDF (CVs too) passes."""

from __future__ import annotations

import io
import os

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from applications.models import Attachment, Proposal
from portal.services.activity import activity_record

from ._common import _delete_file_on_commit, _lock_for_edit, _store_private

PDF_MAGIC = b"%PDF-"
DEFAULT_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024


def attachment_max_bytes() -> int:
    """The upload limit for attachments and CVs (setting PROPOSAL_ATTACHMENT_MAX_BYTES)."""
    return int(getattr(settings, "PROPOSAL_ATTACHMENT_MAX_BYTES", DEFAULT_ATTACHMENT_MAX_BYTES))


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def check_pdf_upload(uploaded_file, *, field: str = "file") -> bytes:
    """Return the bytes of an uploaded PDF, or raise a ValidationError saying what is wrong.

    The content decides, not the name: the file must start with the PDF signature and pypdf
    must be able to read its pages. Used for attachments and CVs.
    """
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    name = os.path.basename(getattr(uploaded_file, "name", "") or "file")
    limit = attachment_max_bytes()
    size = getattr(uploaded_file, "size", None)
    if size is not None and size > limit:
        raise ValidationError(
            {
                field: (
                    f"'{name}' is {_megabytes(size)}; files may be at most {_megabytes(limit)}. "
                    "Compress the PDF or split it."
                )
            },
            code="too_large",
        )
    uploaded_file.seek(0)
    content = uploaded_file.read(limit + 1)
    if len(content) > limit:
        raise ValidationError(
            {field: f"'{name}' is larger than the {_megabytes(limit)} limit."}, code="too_large"
        )
    if not content:
        raise ValidationError({field: f"'{name}' is empty."}, code="empty")
    if not content.startswith(PDF_MAGIC):
        raise ValidationError(
            {
                field: (
                    f"'{name}' is not a PDF file: its content does not start with the PDF "
                    "signature (%PDF-), whatever its name says. Export or print the document "
                    "to PDF and upload that."
                )
            },
            code="not_pdf",
        )
    try:
        reader = PdfReader(io.BytesIO(content))
        if reader.is_encrypted:
            raise ValidationError(
                {
                    field: (
                        f"'{name}' is password-protected; upload a copy without a password so "
                        "reviewers can open it."
                    )
                },
                code="encrypted",
            )
        if len(reader.pages) < 1:
            raise PdfReadError("it has no pages")
    except ValidationError:
        raise
    except Exception as exc:  # pypdf raises many kinds of errors on damaged files
        raise ValidationError(
            {field: f"'{name}' is not a PDF file: it could not be read ({exc})."},
            code="not_pdf",
        ) from exc
    return content


def _clean_original_name(name: str) -> str:
    base = os.path.basename(name or "").strip() or "document.pdf"
    return base[-255:]


@transaction.atomic
def attachment_add(*, proposal: Proposal, by, uploaded_file, kind: str) -> Attachment:
    """Store a PDF attachment privately, after checking its content (not its name) and size."""
    proposal = _lock_for_edit(proposal, by)
    if kind not in Attachment.Kind.values:
        raise ValidationError({"kind": [f"Choose what kind of document this is (not “{kind}”)."]})
    content = check_pdf_upload(uploaded_file, field="file")
    attachment = Attachment(
        proposal=proposal,
        kind=kind,
        original_name=_clean_original_name(getattr(uploaded_file, "name", "")),
        size_bytes=len(content),
        uploaded_by=by,
    )
    attachment.file.name = _store_private(proposal, content)
    attachment.save()
    activity_record(
        actor=by,
        verb="uploaded attachment",
        target=proposal,
        data={"attachment": attachment.pk, "name": attachment.original_name, "kind": kind},
    )
    return attachment


@transaction.atomic
def attachment_delete(*, proposal: Proposal, by, attachment: Attachment) -> None:
    proposal = _lock_for_edit(proposal, by)
    attachment = Attachment.objects.filter(pk=attachment.pk, proposal=proposal).first()
    if attachment is None:
        return
    _delete_file_on_commit(attachment.file.name)
    attachment.delete()
    activity_record(
        actor=by,
        verb="removed attachment",
        target=proposal,
        data={"name": attachment.original_name},
    )
