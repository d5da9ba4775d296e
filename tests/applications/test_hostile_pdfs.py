"""Hostile PDFs and file names: a PDF that would act by itself when opened (JavaScript, an action
run on opening, a Launch action) or hides data after its end is refused with a message saying how
to get a clean copy; downloads are always named *.pdf, without bidirectional control characters.
Each hostile file is built here with pypdf, the way an attacker would."""

from __future__ import annotations

import importlib
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfWriter
from pypdf.actions import JavaScript
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    RectangleObject,
    TextStringObject,
)

from applications.models import Attachment
from applications.services.proposals import attachment_add, team_member_add
from portal.validators import safe_pdf_filename, strip_bidi_controls
from tests.factories import (
    AttachmentFactory,
    MembershipFactory,
    ProposalFactory,
    pdf_bytes,
)

pytestmark = pytest.mark.django_db

BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


def written(writer: PdfWriter) -> bytes:
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def one_page() -> PdfWriter:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    return writer


def with_document_javascript() -> bytes:
    writer = one_page()
    writer.add_open_action(JavaScript("app.alert('hello');"))
    return written(writer)


def link_annotation(action: DictionaryObject) -> DictionaryObject:
    return DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): RectangleObject([0, 0, 100, 100]),
            NameObject("/A"): action,
        }
    )


def with_javascript_link() -> bytes:
    writer = one_page()
    action = DictionaryObject(
        {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("1;")}
    )
    writer.pages[0][NameObject("/Annots")] = ArrayObject(
        [writer._add_object(link_annotation(action))]
    )
    return written(writer)


def with_launch_action() -> bytes:
    writer = one_page()
    action = DictionaryObject(
        {NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("calc.exe")}
    )
    writer.pages[0][NameObject("/Annots")] = ArrayObject(
        [writer._add_object(link_annotation(action))]
    )
    return written(writer)


def with_open_action(*, indirect: bool = False) -> bytes:
    writer = one_page()
    action = DictionaryObject(
        {
            NameObject("/S"): NameObject("/URI"),
            NameObject("/URI"): TextStringObject("https://phishing.example/login"),
        }
    )
    writer._root_object[NameObject("/OpenAction")] = (
        writer._add_object(action) if indirect else action
    )
    return written(writer)


def with_indirect_open_action() -> bytes:
    return with_open_action(indirect=True)


def with_open_destination() -> bytes:
    """Harmless: open at the first page, fitted to the window (what LaTeX writes)."""
    writer = one_page()
    writer._root_object[NameObject("/OpenAction")] = ArrayObject(
        [writer.pages[0].indirect_reference, NameObject("/Fit")]
    )
    return written(writer)


def with_html_after_the_end() -> bytes:
    return pdf_bytes() + b"\n<html><script>alert(1)</script></html>\n"


def without_an_end() -> bytes:
    content = pdf_bytes()
    return content[: content.rfind(b"%%EOF")]


def upload(content: bytes, name: str = "annex.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


HOSTILE = {
    "document JavaScript": (with_document_javascript, "contains JavaScript"),
    "JavaScript link": (with_javascript_link, "contains JavaScript"),
    "Launch action": (with_launch_action, "contains a Launch action"),
    "OpenAction": (with_open_action, "runs an action by itself when it is opened"),
    "OpenAction by reference": (
        with_indirect_open_action,
        "runs an action by itself when it is opened",
    ),
    "HTML after %%EOF": (with_html_after_the_end, "has data after the end of the PDF"),
    "truncated": (without_an_end, "is not a PDF file: it could not be read"),
}


@pytest.mark.parametrize("kind", HOSTILE)
def test_a_hostile_attachment_is_refused_with_a_clear_message(kind):
    build, says = HOSTILE[kind]
    content = build()
    assert content.startswith(b"%PDF-")
    proposal = ProposalFactory()
    with pytest.raises(ValidationError) as refused:
        attachment_add(
            proposal=proposal, by=proposal.created_by, uploaded_file=upload(content), kind="other"
        )
    message = refused.value.message_dict["file"][0]
    assert message.startswith("'annex.pdf' ")
    assert says in message
    if kind != "truncated":
        assert "Print or export the document to a new PDF" in message
    assert not Attachment.objects.exists()


@pytest.mark.parametrize("kind", ["document JavaScript", "Launch action", "HTML after %%EOF"])
def test_a_hostile_cv_is_refused_too(kind):
    build, says = HOSTILE[kind]
    proposal = ProposalFactory()
    teammate = MembershipFactory(organisation=proposal.organisation).user
    with pytest.raises(ValidationError) as refused:
        team_member_add(
            proposal=proposal,
            by=proposal.created_by,
            user=teammate,
            role="engineer",
            cv=upload(build(), "cv.pdf"),
        )
    assert says in " ".join(refused.value.messages)
    assert not proposal.team.filter(user=teammate).exists()


@pytest.mark.parametrize(
    "content",
    [pdf_bytes(), pdf_bytes() + b"\r\n", pdf_bytes() + b"\x00\x00\n", with_open_destination()],
    ids=["plain", "line end after %%EOF", "padding after %%EOF", "opens at page 1"],
)
def test_ordinary_pdfs_are_accepted(content):
    proposal = ProposalFactory()
    attachment = attachment_add(
        proposal=proposal, by=proposal.created_by, uploaded_file=upload(content), kind="other"
    )
    assert attachment.pk is not None


def test_an_uploaded_hostile_pdf_is_an_error_on_the_page_not_a_500(client):
    proposal = ProposalFactory()
    client.force_login(proposal.created_by)
    response = client.post(
        reverse("applications:attachment_upload", args=[proposal.pk]),
        {"kind": "technical", "file": upload(with_document_javascript())},
    )
    assert response.status_code in (200, 400)
    assert "contains JavaScript" in response.content.decode()
    assert not Attachment.objects.exists()


# --- names ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("uploaded", "served"),
    [
        ("report.pdf", "report.pdf"),
        ("Report.PDF", "Report.pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.exe.pdf"),
        ("annex\u202e\u2066fdp.pdf", "annexfdp.pdf"),
        ("notes.docx", "notes.docx.pdf"),
        ("../../etc/passwd", "passwd.pdf"),
        ("C:\\Users\\me\\plan.pdf", "plan.pdf"),
        ('quote"and\nnewline.pdf', "quoteandnewline.pdf"),
        ("", "document.pdf"),
        (".pdf", "document.pdf"),
        (BIDI_CONTROLS, "document.pdf"),
        ("x" * 400 + ".pdf", "x" * 251 + ".pdf"),
    ],
)
def test_download_names_end_in_pdf_without_bidirectional_controls(uploaded, served):
    assert safe_pdf_filename(uploaded) == served
    # Names stored before uploads were cleaned are cleaned the same way by a data migration.
    migration = importlib.import_module(
        "applications.migrations.0009_attachment_names_without_bidi_controls"
    )
    assert migration.clean(uploaded) == served


def test_every_bidirectional_control_is_removed():
    assert strip_bidi_controls(f"a{BIDI_CONTROLS}b") == "ab"
    assert strip_bidi_controls("שלום abc مرحبا") == "שלום abc مرحبا"  # letters stay


def test_an_attachment_stored_under_a_spoofed_name_downloads_as_pdf(client):
    proposal = ProposalFactory()
    AttachmentFactory(proposal=proposal, original_name="invoice\u202efdp.exe")
    client.force_login(proposal.created_by)
    attachment = proposal.attachments.get()
    response = client.get(
        reverse("applications:attachment_download", args=[proposal.pk, attachment.pk])
    )
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition == 'attachment; filename="invoicefdp.exe.pdf"'


def test_a_cv_of_a_person_with_controls_in_their_name_downloads_as_pdf(client):
    proposal = ProposalFactory()
    member = proposal.team.get()
    member.user.first_name, member.user.last_name = "Eve\u202e", "fdp.exe"
    member.user.save()
    member.cv.save("cv.pdf", ContentFile(pdf_bytes()), save=True)
    client.force_login(proposal.created_by)
    response = client.get(reverse("applications:cv_download", args=[proposal.pk, member.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="CV-Eve-fdp.exe.pdf"'


def test_a_new_attachment_keeps_a_clean_name():
    proposal = ProposalFactory()
    attachment = attachment_add(
        proposal=proposal,
        by=proposal.created_by,
        uploaded_file=upload(pdf_bytes(), "Plan\u202e.pdf"),
        kind="other",
    )
    assert attachment.original_name == "Plan.pdf"


def test_the_page_count_is_still_required():
    writer = PdfWriter()
    writer._root_object[NameObject("/Pages")][NameObject("/Count")] = NumberObject(0)
    proposal = ProposalFactory()
    with pytest.raises(ValidationError):
        attachment_add(
            proposal=proposal,
            by=proposal.created_by,
            uploaded_file=upload(written(writer)),
            kind="other",
        )


def test_a_pdf_with_more_objects_than_can_be_checked_is_refused(monkeypatch):
    from applications.services.proposals import attachments

    monkeypatch.setattr(attachments, "MAX_PDF_OBJECTS", 3)
    proposal = ProposalFactory()
    with pytest.raises(ValidationError) as refused:
        attachment_add(
            proposal=proposal,
            by=proposal.created_by,
            uploaded_file=upload(pdf_bytes(pages=3)),
            kind="other",
        )
    assert "too many internal objects" in refused.value.message_dict["file"][0]
