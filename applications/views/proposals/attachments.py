"""The attachments section: uploading and removing the proposal's PDF documents."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from applications.forms.proposals import SECTIONS_BY_KEY, AttachmentForm
from applications.models import Attachment, Proposal
from applications.services import proposals as proposal_services
from applications.views.service_errors import form_add_service_errors

from .access import applicant_login_required, editable_proposal
from .pages import render_section, section_url


def attachments_context(proposal: Proposal, upload_form=None) -> dict:
    return {
        "attachments": list(proposal.attachments.select_related("uploaded_by")),
        "upload_form": upload_form or AttachmentForm(),
        "max_megabytes": proposal_services.attachment_max_bytes() // (1024 * 1024),
    }


@applicant_login_required
@require_POST
def attachment_upload(request, pk: int):
    proposal = editable_proposal(request, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            attachment = proposal_services.attachment_add(
                proposal=proposal,
                by=request.user,
                uploaded_file=form.cleaned_data["file"],
                kind=form.cleaned_data["kind"],
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, f"Uploaded “{attachment.original_name}”.")
            return redirect(section_url(proposal, "attachments"))
    return render_section(
        request,
        proposal,
        SECTIONS_BY_KEY["attachments"],
        status=400,
        **attachments_context(proposal, upload_form=form),
    )


@applicant_login_required
@require_POST
def attachment_delete(request, pk: int, attachment_pk: int):
    proposal = editable_proposal(request, pk)
    attachment = get_object_or_404(Attachment, pk=attachment_pk, proposal=proposal)
    try:
        proposal_services.attachment_delete(
            proposal=proposal, by=request.user, attachment=attachment
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Removed “{attachment.original_name}”.")
    return redirect(section_url(proposal, "attachments"))
