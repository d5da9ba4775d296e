"""The applicant's dashboard and starting a proposal in a call."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from applications.deadlines import format_deadline
from applications.forms.proposals import SECTIONS, ProposalStartForm
from applications.models import Call, ProposalStatus
from applications.selectors.proposals import applicant_dashboard, proposals_visible_to
from applications.services import proposals as proposal_services
from applications.views.service_errors import form_add_service_errors
from portal.models import Organisation
from portal.selectors import invitations_if_no_organisation, notifications_for

from .access import applicant_login_required
from .pages import section_url, upcoming_phases


@applicant_login_required
@require_GET
def dashboard(request):
    data = applicant_dashboard(user=request.user)
    for group in data.groups:
        for entry in group.entries:
            entry.upcoming = upcoming_phases(entry.proposal)
    notifications = list(notifications_for(user=request.user)[:5])
    return render(
        request,
        "applications/dashboard.html",
        {
            "dashboard": data,
            "next_deadline": (format_deadline(data.next_deadline.at) if data.next_deadline else ""),
            "notifications": notifications,
            "invitations": invitations_if_no_organisation(user=request.user),
        },
    )


@applicant_login_required
@require_http_methods(["GET", "POST"])
def proposal_create(request, slug: str):
    call = get_object_or_404(Call, slug=slug, is_published=True)
    organisations = Organisation.objects.filter(memberships__user=request.user).order_by(
        "legal_name"
    )
    form = ProposalStartForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        try:
            proposal = proposal_services.proposal_create(
                call=call, organisation=form.cleaned_data["organisation"], by=request.user
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(
                request, "Your draft is started. It is saved as you type; come back any time."
            )
            return redirect(section_url(proposal, SECTIONS[0].key))
    drafts = (
        proposals_visible_to(user=request.user)
        .filter(call=call, status=ProposalStatus.DRAFT, organisation__in=organisations)
        .order_by("-updated_at")
    )
    next_cutoff = call.cutoffs.filter(at__gt=timezone.now(), closed_at__isnull=True).first()
    return render(
        request,
        "applications/proposals/start.html",
        {
            "call": call,
            "form": form,
            "has_organisation": organisations.exists(),
            "drafts": drafts,
            "next_cutoff": format_deadline(next_cutoff.at) if next_cutoff else "",
        },
    )
