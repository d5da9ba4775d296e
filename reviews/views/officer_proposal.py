"""The programme officer's own view of a proposal (its dossier), and the steps it takes itself.

Anyone but a programme officer gets a 404, a superuser included (reviews.view_proposal_dossier,
asked on the proposal). Eligibility and decisions have pages of their own, linked from here;
a step the table allows that needs nothing but a confirmation ("Start technical assessment")
is posted from here through the one door.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_POST

from applications.services.proposals import proposal_transition
from portal.auth import login_required
from reviews.selectors.dossier import dossier_proposal, officer_actions, officer_dossier

PERM = "reviews.view_proposal_dossier"


def _proposal(request, pk: int):
    proposal = dossier_proposal(pk=pk)
    if proposal is None or not request.user.has_perm(PERM, proposal):
        raise Http404("No such proposal.")
    return proposal


@login_required
@require_GET
def officer_proposal(request, pk: int):
    proposal = _proposal(request, pk)
    return render(
        request,
        "reviews/officer/proposal.html",
        {"dossier": officer_dossier(proposal=proposal, user=request.user), "proposal": proposal},
    )


@login_required
@require_POST
def officer_proposal_step(request, pk: int):
    proposal = _proposal(request, pk)
    action = request.POST.get("action", "")
    # Only the steps the dossier offers as a button; the others have their own page and form.
    plain = {
        a.action
        for a in officer_actions(proposal=proposal, user=request.user)
        if not a.url and not a.unavailable
    }
    if action not in plain:
        messages.error(request, "That step is not open for this proposal now.")
        return redirect("reviews:officer_proposal", pk=proposal.pk)
    try:
        proposal_transition(proposal=proposal, action=action, by=request.user)
    except (PermissionDenied, ValidationError) as exc:
        text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        messages.error(request, text)
    else:
        proposal.refresh_from_db(fields=["status"])
        messages.success(request, f"{proposal.reference}: {proposal.get_status_display().lower()}.")
    return redirect("reviews:officer_proposal", pk=proposal.pk)


urlpatterns = [
    path("proposals/<int:pk>/", officer_proposal, name="officer_proposal"),
    path("proposals/<int:pk>/step/", officer_proposal_step, name="officer_proposal_step"),
]
