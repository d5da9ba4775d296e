"""Downloads of a proposal's private files: attachments, team CVs and the submitted PDF."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from applications.models import Attachment, PdfStatus, Proposal, TeamMember
from portal.services.activity import activity_record
from portal.validators import safe_pdf_filename

from .access import applicant_login_required, visible_proposal


def _stream(request, *, proposal: Proposal, document, stored_file, filename: str, kind: str):
    """Stream a private file after the permission check; anyone else gets a 404. Every download
    is written to the activity log (proposal documents are confidential, CVs personal). The name
    it is saved under ends in .pdf and has no bidirectional controls, which could make
    "invoice\u202efdp.exe" look like "invoiceexe.pdf"."""
    filename = safe_pdf_filename(filename)
    if not request.user.has_perm("applications.view_attachment", document):
        raise Http404("No such document.")
    if not stored_file or not stored_file.storage.exists(stored_file.name):
        raise Http404("The document is not available.")
    # Logged on the proposal, so its audit trail lists every reading of its documents; a staff
    # entry (portal.activity_actions), never shown to the applicant.
    activity_record(
        actor=request.user,
        verb="proposal.download",
        target=proposal,
        data={
            "proposal": proposal.pk,
            "document": kind,
            "document_id": document.pk,
            "file": filename,
            "confidential": proposal.is_confidential,
        },
    )
    response = FileResponse(
        stored_file.open("rb"),
        as_attachment=True,
        filename=filename,
        content_type="application/pdf",
    )
    response["Cache-Control"] = "private, no-store"
    return response


@applicant_login_required
@require_GET
def attachment_download(request, pk: int, attachment_pk: int):
    proposal = visible_proposal(request, pk)
    attachment = get_object_or_404(Attachment, pk=attachment_pk, proposal=proposal)
    return _stream(
        request,
        proposal=proposal,
        document=attachment,
        stored_file=attachment.file,
        filename=attachment.original_name,
        kind="attachment",
    )


@applicant_login_required
@require_GET
def cv_download(request, pk: int, member_pk: int):
    proposal = visible_proposal(request, pk)
    member = get_object_or_404(
        TeamMember.objects.select_related("user"), pk=member_pk, proposal=proposal
    )
    name = (member.user.get_full_name() or member.user.email.split("@")[0]).replace(" ", "-")
    return _stream(
        request,
        proposal=proposal,
        document=member,
        stored_file=member.cv,
        filename=f"CV-{name}.pdf",
        kind="CV",
    )


@applicant_login_required
@require_GET
def proposal_pdf_download(request, pk: int):
    proposal = visible_proposal(request, pk)
    if proposal.pdf_status != PdfStatus.READY:
        raise Http404("The PDF of this proposal is not ready.")
    return _stream(
        request,
        proposal=proposal,
        document=proposal,
        stored_file=proposal.pdf,
        filename=f"{proposal.reference or f'proposal-{proposal.pk}'}.pdf",
        kind="proposal PDF",
    )
