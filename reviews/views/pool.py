"""Pages of the reviewer pool and of conflicts of interest.

Reviewers: their profile, invitations (by the mail's link or on their page), the call's
confidentiality terms, declaring conflicts and the no-conflict step before a proposal's body.
Officers: a call's pool (invite, remove) and a cut-off's detected conflicts (run the detection,
confirm or dismiss with a reason). Everyone else gets a 404, a superuser included."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods, require_POST

from applications.hooks import submitted_q
from applications.models import Call, CutOff, Proposal
from applications.views.service_errors import form_add_service_errors
from portal.auth import login_required
from reviews.forms.pool import (
    ConflictDecisionForm,
    ConflictDeclareForm,
    OrganisationConflictForm,
    PastEmployerFormSet,
    PoolInviteForm,
    ReviewerProfileForm,
)
from reviews.models import DetectedConflict, PoolInvitation, PoolMembership, ReviewerProfile
from reviews.selectors import conflicts as conflict_selectors
from reviews.selectors import pool as pool_selectors
from reviews.services import conflicts as conflict_services
from reviews.services import pool as pool_services


def _require(request, perm: str, obj=None) -> None:
    if not request.user.has_perm(perm, obj):
        raise Http404


# --- reviewer --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def reviewer_profile(request):
    _require(request, "reviews.edit_reviewer_profile")
    profile = ReviewerProfile.objects.filter(user=request.user).first() or ReviewerProfile(
        user=request.user
    )
    form = ReviewerProfileForm(request.POST or None, instance=profile)
    formset = PastEmployerFormSet(
        request.POST or None, instance=profile if profile.pk else ReviewerProfile()
    )
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        employers = [
            {k: f.cleaned_data.get(k) for k in pool_services.EMPLOYER_FIELDS}
            for f in formset.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        for employer in employers:
            for key in ("registration_number", "vat_number"):
                employer[key] = employer[key] or ""
        try:
            pool_services.reviewer_profile_update(
                user=request.user,
                values={k: form.cleaned_data[k] for k in pool_services.PROFILE_FIELDS},
                employers=employers,
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, "Your reviewer profile is saved.")
            return redirect("reviews:reviewer_profile")
    return render(request, "reviews/reviewer/profile.html", {"form": form, "formset": formset})


def _answer(request, invitation: PoolInvitation, *, via_token: bool):
    action = request.POST.get("action")
    try:
        if action == "accept":
            pool_services.pool_invitation_accept(
                invitation=invitation, user=request.user, via_token=via_token
            )
            messages.success(
                request,
                f"You joined the reviewer pool of {invitation.call}. Accept its confidentiality "
                "terms to see its proposals.",
            )
            return redirect("reviews:pool_terms", pk=invitation.call_id)
        if action == "decline":
            pool_services.pool_invitation_decline(
                invitation=invitation, user=request.user, via_token=via_token
            )
            messages.info(request, f"You declined to review for {invitation.call}.")
            return redirect("home")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("home")
    messages.error(request, "Choose to accept or decline the invitation.")
    return None


@login_required
@require_http_methods(["GET", "POST"])
def pool_invitation_open(request, token):
    """The link in the invitation mail: whoever holds it may answer, once logged in."""
    invitation = get_object_or_404(PoolInvitation.objects.select_related("call"), token=token)
    if request.method == "POST" and invitation.status == PoolInvitation.Status.INVITED:
        response = _answer(request, invitation, via_token=True)
        if response is not None:
            return response
    return render(request, "reviews/reviewer/invitation.html", {"invitation": invitation})


@login_required
@require_POST
def pool_invitation_answer(request, pk: int):
    """Accept or decline, on the reviewer's page, an invitation to one of their addresses."""
    invitation = get_object_or_404(
        pool_selectors.pending_pool_invitations(user=request.user), pk=pk
    )
    try:
        response = _answer(request, invitation, via_token=False)
    except PermissionDenied as exc:
        raise Http404 from exc
    return response or redirect("reviews:reviewer_home")


@login_required
@require_http_methods(["GET", "POST"])
def pool_terms(request, pk: int):
    membership = get_object_or_404(
        PoolMembership.objects.select_related("call"), call_id=pk, user=request.user
    )
    if request.method == "POST":
        pool_services.pool_terms_accept(call=membership.call, user=request.user)
        messages.success(request, f"You accepted the confidentiality terms of {membership.call}.")
        return redirect("reviews:reviewer_home")
    return render(request, "reviews/reviewer/terms.html", {"membership": membership})


@login_required
@require_http_methods(["GET", "POST"])
def conflict_check(request, pk: int):
    """Before the body: the proposal's title and organisation, and the reviewer's answer."""
    proposal = get_object_or_404(
        Proposal.objects.filter(submitted_q()).select_related("organisation", "call"), pk=pk
    )
    _require(request, "reviews.check_proposal_for_conflicts", proposal)
    form = ConflictDeclareForm(request.POST if request.POST.get("action") == "declare" else None)
    if request.method == "POST":
        if request.POST.get("action") == "none":
            conflict_services.no_conflict_confirm(reviewer=request.user, proposal=proposal)
            messages.success(request, "Thank you: you have no conflict with this proposal.")
            return redirect("reviews:reviewer_home")
        if form.is_valid():
            try:
                conflict_services.conflict_declare(
                    reviewer=request.user, proposal=proposal, **form.cleaned_data
                )
            except ValidationError as exc:
                form_add_service_errors(form, exc)
            else:
                messages.success(
                    request, "Your conflict is recorded: this proposal goes to other reviewers."
                )
                return redirect("reviews:reviewer_home")
    confirmed = conflict_selectors.may_read_proposal(request.user, proposal)
    return render(
        request,
        "reviews/reviewer/conflict_check.html",
        {"proposal": proposal, "form": form, "confirmed": confirmed},
    )


@login_required
@require_http_methods(["GET", "POST"])
def conflict_declare(request):
    """Declare a conflict with an organisation applying to one of the reviewer's calls."""
    _require(request, "reviews.declare_conflict")
    organisations = conflict_services.declarable_organisations(reviewer=request.user)
    form = OrganisationConflictForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        try:
            conflict_services.conflict_declare(reviewer=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, "Your conflict is recorded.")
            return redirect("reviews:reviewer_home")
    return render(request, "reviews/reviewer/conflict_declare.html", {"form": form})


# --- officer ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def reviewer_pool(request, pk: int):
    _require(request, "reviews.manage_reviewer_pool")
    call = get_object_or_404(Call, pk=pk)
    form = PoolInviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = pool_services.pool_invite(
                call=call, by=request.user, email=form.cleaned_data["email"]
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, f"{invitation.email} is invited to review for this call.")
            return redirect("reviews:reviewer_pool", pk=call.pk)
    return render(
        request,
        "reviews/officer/reviewer_pool.html",
        {
            "call": call,
            "form": form,
            "invitations": list(pool_selectors.call_pool(call=call)),
            "cutoffs": list(call.cutoffs.all()),
        },
    )


@login_required
@require_POST
def reviewer_pool_remove(request, pk: int):
    _require(request, "reviews.manage_reviewer_pool")
    invitation = get_object_or_404(PoolInvitation, pk=pk)
    try:
        pool_services.pool_member_remove(invitation=invitation, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{invitation.email} is no longer in the pool.")
    return redirect("reviews:reviewer_pool", pk=invitation.call_id)


@login_required
@require_http_methods(["GET", "POST"])
def cutoff_conflicts(request, pk: int):
    _require(request, "reviews.decide_conflict")
    cutoff = get_object_or_404(CutOff.objects.select_related("call"), pk=pk)
    if request.method == "POST":
        result = conflict_services.conflicts_detect(cutoff=cutoff, by=request.user)
        messages.success(
            request,
            f"Detection found {result.found} conflict{pluralize(result.found)}, "
            f"{result.new} of them new.",
        )
        return redirect("reviews:cutoff_conflicts", pk=cutoff.pk)
    conflicts = list(conflict_selectors.detected_conflicts_for_officer(cutoff=cutoff))
    return render(
        request,
        "reviews/officer/cutoff_conflicts.html",
        {
            "cutoff": cutoff,
            "conflicts": conflicts,
            "to_decide": sum(c.status == DetectedConflict.Status.DETECTED for c in conflicts),
            "decision_form": ConflictDecisionForm(),
        },
    )


@login_required
@require_POST
def conflict_decide(request, pk: int):
    _require(request, "reviews.decide_conflict")
    conflict = get_object_or_404(DetectedConflict, pk=pk)
    form = ConflictDecisionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
    else:
        with transaction.atomic():
            conflict_services.detected_conflict_decide(
                conflict=conflict,
                by=request.user,
                confirm=form.cleaned_data["decision"] == "confirm",
                reason=form.cleaned_data["reason"],
            )
        messages.success(request, "The decision on the conflict is recorded.")
    return redirect(reverse("reviews:cutoff_conflicts", kwargs={"pk": conflict.cutoff_id}))


urlpatterns = [
    path("reviews/profile/", reviewer_profile, name="reviewer_profile"),
    path("reviews/invitations/<uuid:token>/", pool_invitation_open, name="pool_invitation_open"),
    path(
        "reviews/invitations/<int:pk>/answer/",
        pool_invitation_answer,
        name="pool_invitation_answer",
    ),
    path("reviews/calls/<int:pk>/terms/", pool_terms, name="pool_terms"),
    path("reviews/proposals/<int:pk>/conflict-check/", conflict_check, name="conflict_check"),
    path("reviews/conflicts/declare/", conflict_declare, name="conflict_declare"),
    path("calls/<int:pk>/reviewer-pool/", reviewer_pool, name="reviewer_pool"),
    path(
        "reviewer-pool/invitations/<int:pk>/remove/",
        reviewer_pool_remove,
        name="reviewer_pool_remove",
    ),
    path("cutoffs/<int:pk>/conflicts/", cutoff_conflicts, name="cutoff_conflicts"),
    path("conflicts/<int:pk>/decide/", conflict_decide, name="conflict_decide"),
]
