"""Pages of the portal core: profile, organisations and their members, notifications, errors.
Views are thin: they read through selectors, write through services and ask the rules."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseServerError
from django.shortcuts import get_object_or_404, redirect, render
from django.template import loader
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_POST

from portal import selectors
from portal.auth import login_required
from portal.forms import InvitationForm, OrganisationForm, ProfileForm
from portal.models import Invitation, Membership, Notification
from portal.rules import prime_membership_roles
from portal.services import organisations as organisation_services

# --- Profile -----------------------------------------------------------------------------------


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your profile was saved.")
        return redirect("portal:profile")
    return render(request, "portal/profile.html", {"form": form})


# --- Organisations -----------------------------------------------------------------------------


@login_required
def organisation_list(request):
    organisations = list(selectors.organisations_of(user=request.user))
    roles = selectors.organisation_roles_of(user=request.user)
    for organisation in organisations:
        organisation.my_role = roles.get(organisation.pk)
    return render(
        request,
        "portal/organisation_list.html",
        {
            "organisations": organisations,
            "invitations": selectors.invitations_pending_for(user=request.user),
        },
    )


@login_required
def organisation_create(request):
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organisation = organisation_services.organisation_create(
                by=request.user, facts=form.facts()
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"{organisation} was registered. You are its owner.")
            return redirect("portal:organisation_detail", pk=organisation.pk)
    return render(request, "portal/organisation_form.html", {"form": form, "creating": True})


def _organisation_for(request, pk: int):
    """The organisation if the user is a member; otherwise it does not exist for them."""
    return get_object_or_404(selectors.organisation_for_member(user=request.user), pk=pk)


def _detail_context(request, organisation, invitation_form=None) -> dict:
    user = request.user
    memberships = list(organisation.memberships.all())  # prefetched
    prime_membership_roles(organisation, memberships)
    return {
        "organisation": organisation,
        "memberships": memberships,
        # "Make member" is offered only while someone else would still own the organisation.
        "owner_count": sum(m.role == Membership.Role.OWNER for m in memberships),
        "pending_invitations": organisation.pending_invitations,
        "can_change": user.has_perm("portal.change_organisation", organisation),
        "can_invite": user.has_perm("portal.invite_member", organisation),
        "invitation_form": invitation_form or InvitationForm(),
    }


@login_required
def organisation_detail(request, pk: int):
    organisation = _organisation_for(request, pk)
    return render(
        request, "portal/organisation_detail.html", _detail_context(request, organisation)
    )


@login_required
def organisation_edit(request, pk: int):
    organisation = _organisation_for(request, pk)
    if not request.user.has_perm("portal.change_organisation", organisation):
        raise PermissionDenied
    form = OrganisationForm(request.POST or None, instance=organisation)
    if request.method == "POST" and form.is_valid():
        try:
            changed = organisation_services.organisation_update(
                organisation=organisation, by=request.user, facts=form.facts()
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if changed:
                messages.success(request, "The organisation's details were saved.")
            else:
                messages.info(request, "Nothing was changed.")
            return redirect("portal:organisation_detail", pk=organisation.pk)
    return render(
        request,
        "portal/organisation_form.html",
        {"form": form, "organisation": organisation, "creating": False},
    )


@login_required
@require_POST
def invitation_create(request, pk: int):
    organisation = _organisation_for(request, pk)
    if not request.user.has_perm("portal.invite_member", organisation):
        raise PermissionDenied
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            invitation = organisation_services.invitation_create(
                organisation=organisation, by=request.user, email=form.cleaned_data["email"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"An invitation was sent to {invitation.email}.")
            return redirect("portal:organisation_detail", pk=organisation.pk)
    return render(
        request,
        "portal/organisation_detail.html",
        _detail_context(request, organisation, invitation_form=form),
        status=400,
    )


@login_required
@require_POST
def invitation_revoke(request, pk: int, invitation_pk: int):
    organisation = _organisation_for(request, pk)
    invitation = get_object_or_404(Invitation, pk=invitation_pk, organisation=organisation)
    try:
        organisation_services.invitation_revoke(invitation=invitation, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"The invitation to {invitation.email} was revoked.")
    return redirect("portal:organisation_detail", pk=organisation.pk)


@login_required
@require_POST
def invitation_resend(request, pk: int, invitation_pk: int):
    organisation = _organisation_for(request, pk)
    invitation = get_object_or_404(Invitation, pk=invitation_pk, organisation=organisation)
    try:
        invitation = organisation_services.invitation_resend(invitation=invitation, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            f"The invitation to {invitation.email} was sent again; it is valid until "
            f"{date_format(timezone.localtime(invitation.expires_at), 'j F Y')}.",
        )
    return redirect("portal:organisation_detail", pk=organisation.pk)


@login_required
@require_POST
def membership_change_role(request, pk: int, membership_pk: int):
    organisation = _organisation_for(request, pk)
    membership = get_object_or_404(
        Membership.objects.select_related("user"), pk=membership_pk, organisation=organisation
    )
    try:
        membership = organisation_services.membership_change_role(
            membership=membership, role=request.POST.get("role", ""), by=request.user
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        who = (
            "You are"
            if membership.user_id == request.user.pk
            else f"{membership.user.display_name} is"
        )
        role = "an owner" if membership.role == Membership.Role.OWNER else "a member (not an owner)"
        messages.success(request, f"{who} now {role} of {organisation}.")
    return redirect("portal:organisation_detail", pk=organisation.pk)


@login_required
@require_POST
def membership_remove(request, pk: int, membership_pk: int):
    organisation = _organisation_for(request, pk)
    membership = get_object_or_404(
        Membership.objects.select_related("user"), pk=membership_pk, organisation=organisation
    )
    try:
        organisation_services.membership_remove(membership=membership, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("portal:organisation_detail", pk=organisation.pk)
    if membership.user_id == request.user.pk:
        messages.success(request, f"You left {organisation}.")
        return redirect("portal:organisation_list")
    messages.success(request, f"{membership.user.display_name} was removed from {organisation}.")
    return redirect("portal:organisation_detail", pk=organisation.pk)


def invitation_open(request, token):
    """The link in the invitation email. Logged in with the invited address: join with one click;
    otherwise the page says how to sign up or log in with that address."""
    invitation = get_object_or_404(
        Invitation.objects.select_related("organisation", "invited_by"), token=token
    )
    user = request.user
    email_matches = user.is_authenticated and (
        invitation.email.lower() in selectors.verified_emails_of(user=user)
    )
    if request.method == "POST":
        if not user.is_authenticated:
            return redirect(request.path)
        try:
            organisation_services.invitation_accept(invitation=invitation, user=user)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(
                request,
                " ".join(exc.messages)
                if isinstance(exc, ValidationError)
                else f"This invitation was sent to {invitation.email}; you are logged in as "
                f"{user.email}.",
            )
            return redirect(request.path)
        messages.success(request, f"You joined {invitation.organisation}.")
        return redirect("portal:organisation_detail", pk=invitation.organisation_id)
    if (
        invitation.status == Invitation.Status.ACCEPTED
        and user.is_authenticated
        and invitation.accepted_by_id == user.pk
    ):
        return redirect("portal:organisation_detail", pk=invitation.organisation_id)
    return render(
        request,
        "portal/invitation_open.html",
        {"invitation": invitation, "email_matches": email_matches},
    )


# --- Notifications -----------------------------------------------------------------------------


@login_required
def notifications(request):
    page = Paginator(selectors.notifications_for(user=request.user), 25).get_page(
        request.GET.get("page")
    )
    rows = list(page.object_list)
    unread_ids = [n.pk for n in rows if n.read_at is None]
    if unread_ids:
        # Shown once is read; the page still marks them "new" this time.
        Notification.objects.filter(pk__in=unread_ids).update(read_at=timezone.now())
    return render(
        request,
        "portal/notifications.html",
        {"page": page, "rows": rows, "unread_ids": set(unread_ids)},
    )


# --- Error pages -------------------------------------------------------------------------------


def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    # Rendered without a request context: the error may be the database the shell would query.
    return HttpResponseServerError(loader.get_template("500.html").render())
