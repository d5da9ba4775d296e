"""PDF attachments of a proposal, and the content check every uploaded PDF (CVs too) passes.

Reviewers and officers open these files. A PDF may carry things that act by themselves when it is
opened (JavaScript, an action run on opening, a Launch action starting another program) or hide
content after its end, where a viewer never shows it but other tools may read it: such files are
refused with a message that says how to get a clean copy (printing or exporting to a new PDF).
"""

from __future__ import annotations

import io
import os

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from applications.models import Attachment, Proposal
from portal.services.activity import activity_record
from portal.validators import safe_pdf_filename, strip_bidi_controls

from ._common import _delete_file_on_commit, _lock_for_edit, _store_private

PDF_MAGIC = b"%PDF-"
PDF_END = b"%%EOF"
# What may follow the last %%EOF: line ends, spaces and the padding some writers add.
PDF_TRAILING_PADDING = b" \t\r\n\x0c\x00"
DEFAULT_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
# Objects looked at for actions; far more than a 10 MB document of text and figures holds.
MAX_PDF_OBJECTS = 500_000
CLEAN_COPY_ADVICE = "Print or export the document to a new PDF and upload that copy."


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

    name = strip_bidi_controls(os.path.basename(getattr(uploaded_file, "name", "") or "file"))
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
    _check_nothing_after_the_end(content, name, field)
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
        _check_no_active_content(reader, name, field)
    except ValidationError:
        raise
    except Exception as exc:  # pypdf raises many kinds of errors on damaged files
        raise ValidationError(
            {field: f"'{name}' is not a PDF file: it could not be read ({exc})."},
            code="not_pdf",
        ) from exc
    return content


def _refuse(field: str, message: str, code: str):
    return ValidationError({field: f"{message} {CLEAN_COPY_ADVICE}"}, code=code)


def _check_nothing_after_the_end(content: bytes, name: str, field: str) -> None:
    end = content.rfind(PDF_END)
    if end >= 0 and content[end + len(PDF_END) :].strip(PDF_TRAILING_PADDING):
        raise _refuse(
            field,
            f"'{name}' has data after the end of the PDF (after %%EOF), where viewers do not "
            "show it; files with hidden content are not accepted.",
            "after_eof",
        )


def _active_content(reader) -> str | None:
    """What in the document would act by itself ("javascript", "launch", "open_action"), or None
    ("too_complex" when it holds more objects than are worth checking).

    Walks every object reachable from the trailer (iteratively, each once): an action may sit in
    the catalogue, a page, an annotation, a form field or a name tree.
    """
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    catalog = reader.trailer["/Root"].get_object()
    stack = [reader.trailer]
    seen: set[tuple[int, int]] = set()
    visited = 0
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            key = (item.idnum, item.generation)
            if key in seen:
                continue
            seen.add(key)
            item = item.get_object()
        visited += 1
        if visited > MAX_PDF_OBJECTS:
            return "too_complex"
        if isinstance(item, DictionaryObject):
            action = item.get("/S")
            if isinstance(action, IndirectObject):
                action = action.get_object()
            if action == "/JavaScript" or "/JS" in item:
                return "javascript"
            if action == "/Launch":
                return "launch"
            stack.extend(value for _, value in item.items())  # unresolved: each object once
        elif isinstance(item, ArrayObject):
            stack.extend(item)
    if "/Names" in catalog and "/JavaScript" in catalog["/Names"].get_object():
        return "javascript"
    # An OpenAction that is a destination ("open at page 1, fit to window") is harmless; one that
    # is an action dictionary runs when the file is opened. Catalogue-level additional actions
    # (/AA) run on closing, saving or printing.
    opening = catalog.get("/OpenAction")
    if isinstance(opening, IndirectObject):
        opening = opening.get_object()
    if isinstance(opening, DictionaryObject) or "/AA" in catalog:
        return "open_action"
    return None


ACTIVE_CONTENT_MESSAGES = {
    "javascript": "'{name}' contains JavaScript, which could run when reviewers open it.",
    "launch": "'{name}' contains a Launch action, which could start another program on the "
    "reviewer's computer.",
    "open_action": "'{name}' runs an action by itself when it is opened (an OpenAction) or "
    "printed.",
    "too_complex": "'{name}' has too many internal objects to be checked for scripts.",
}


def _check_no_active_content(reader, name: str, field: str) -> None:
    found = _active_content(reader)
    if found is not None:
        raise _refuse(field, ACTIVE_CONTENT_MESSAGES[found].format(name=name), found)


def _clean_original_name(name: str) -> str:
    """The uploaded file's name as the portal shows and serves it: no directory, no control or
    bidirectional characters, ending in .pdf."""
    return safe_pdf_filename(name)


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
        verb="attachment.upload",
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
        verb="attachment.remove",
        target=proposal,
        data={"name": attachment.original_name},
    )
