"""Writes on organisations: create, update, invite by email, re-send, accept, revoke, change a
member's role, remove a member.

Each function checks permission and state, runs in one transaction, writes the activity log, and
queues its mail through the outbox (delivered after commit)."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from portal.models import Invitation, Membership, Organisation, User
from portal.selectors import verified_emails_of
from portal.services.activity import activity_record
from portal.services.notifications import notification_enqueue

# Organisation facts an applicant edits; anything else in `facts` is refused.
ORGANISATION_FACTS = (
    "legal_name",
    "country",
    "registration_number",
    "vat_number",
    "founded_on",
    "website",
    "employees",
    "annual_turnover_eur",
    "balance_sheet_eur",
)


def _check_facts(facts: dict[str, Any]) -> None:
    unknown = set(facts) - set(ORGANISATION_FACTS)
    if unknown:
        raise ValueError(f"Not organisation facts: {', '.join(sorted(unknown))}")


def _json_value(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool | None) else str(value)


@transaction.atomic
def organisation_create(*, by: User, facts: dict[str, Any]) -> Organisation:
    """Register an organisation; its creator becomes its first owner."""
    if not by.has_perm("portal.add_organisation"):
        raise PermissionDenied
    _check_facts(facts)
    organisation = Organisation(**facts)
    organisation.full_clean()
    organisation.save()
    Membership.objects.create(organisation=organisation, user=by, role=Membership.Role.OWNER)
    activity_record(
        actor=by,
        verb="organisation.create",
        target=organisation,
        data={"kind": organisation.kind},
    )
    return organisation


@transaction.atomic
def organisation_update(
    *, organisation: Organisation, by: User, facts: dict[str, Any]
) -> list[str]:
    """Change an organisation's facts. Returns the names of the fields that changed."""
    if not by.has_perm("portal.change_organisation", organisation):
        raise PermissionDenied
    _check_facts(facts)
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    kind_before = organisation.kind
    changes: dict[str, list[Any]] = {}
    for field, value in facts.items():
        old = getattr(organisation, field)
        if old != value:
            changes[field] = [_json_value(old), _json_value(value)]
            setattr(organisation, field, value)
    if not changes:
        return []
    organisation.full_clean()
    organisation.save()
    activity_record(
        actor=by,
        verb="organisation.update",
        target=organisation,
        from_state=kind_before,
        to_state=organisation.kind,
        data={"changes": changes},
    )
    return sorted(changes)


def _invitation_url(invitation: Invitation) -> str:
    return reverse("portal:invitation_open", kwargs={"token": invitation.token})


def _expires_on(invitation: Invitation) -> str:
    return date_format(timezone.localtime(invitation.expires_at), "j F Y")


def _invitation_mail(invitation: Invitation, *, by: User, idempotency_key: str) -> None:
    notification_enqueue(
        to_email=invitation.email,
        recipient=User.objects.filter(email__iexact=invitation.email).first(),
        template="invitation_created",
        context={
            "organisation": invitation.organisation.legal_name,
            "invited_by": by.display_name,
            "email": invitation.email,
            "url": _invitation_url(invitation),
            "expires_on": _expires_on(invitation),
        },
        idempotency_key=idempotency_key,
    )


@transaction.atomic
def invitation_create(*, organisation: Organisation, by: User, email: str) -> Invitation:
    """Invite someone by email. They join when they sign up or log in with that address.

    Inviting an address whose pending invitation has expired re-sends that one."""
    if not by.has_perm("portal.invite_member", organisation):
        raise PermissionDenied
    email = User.objects.normalize_email(email).strip().lower()
    if Membership.objects.filter(organisation=organisation, user__email__iexact=email).exists():
        raise ValidationError(
            {"email": f"{email} is already a member of {organisation}."}, code="already_member"
        )
    waiting = organisation.invitations.filter(email=email, status=Invitation.Status.PENDING).first()
    if waiting is not None:
        if waiting.is_expired:
            return invitation_resend(invitation=waiting, by=by)
        raise ValidationError(
            {"email": f"{email} has already been invited and has not answered yet."},
            code="already_invited",
        )
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(
                organisation=organisation, email=email, invited_by=by
            )
    except IntegrityError as exc:  # a concurrent request invited the same address
        raise ValidationError(
            {"email": f"{email} has already been invited and has not answered yet."},
            code="already_invited",
        ) from exc
    activity_record(actor=by, verb="invitation.create", target=organisation, data={"email": email})
    _invitation_mail(invitation, by=by, idempotency_key=f"invitation:{invitation.pk}:created")
    return invitation


@transaction.atomic
def invitation_resend(*, invitation: Invitation, by: User) -> Invitation:
    """Send a pending invitation again, expired or not: it gets a new link (the old one stops
    working) and is valid for PORTAL_INVITATION_VALID_DAYS from now."""
    if not by.has_perm("portal.resend_invitation", invitation):
        raise PermissionDenied
    invitation = (
        Invitation.objects.select_for_update().select_related("organisation").get(pk=invitation.pk)
    )
    if invitation.status != Invitation.Status.PENDING:
        raise ValidationError(
            f"This invitation was already {invitation.get_status_display().lower()}.",
            code="not_pending",
        )
    was_expired = invitation.is_expired
    invitation.token = uuid.uuid4()
    invitation.renewed_at = timezone.now()
    invitation.invited_by = by
    invitation.save(update_fields=["token", "renewed_at", "invited_by"])
    activity_record(
        actor=by,
        verb="invitation.resend",
        target=invitation.organisation,
        data={
            "email": invitation.email,
            "was_expired": was_expired,
            "expires_at": invitation.expires_at.isoformat(),
        },
    )
    # One mail per sending: the new token makes the key unique.
    _invitation_mail(
        invitation, by=by, idempotency_key=f"invitation:{invitation.pk}:sent:{invitation.token}"
    )
    return invitation


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, by: User) -> Invitation:
    if not by.has_perm("portal.revoke_invitation", invitation):
        raise PermissionDenied
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != Invitation.Status.PENDING:
        raise ValidationError(
            f"This invitation was already {invitation.get_status_display().lower()}.",
            code="not_pending",
        )
    invitation.status = Invitation.Status.REVOKED
    invitation.save(update_fields=["status"])
    activity_record(
        actor=by,
        verb="invitation.revoke",
        target=invitation.organisation,
        from_state=Invitation.Status.PENDING,
        to_state=Invitation.Status.REVOKED,
        data={"email": invitation.email},
    )
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    """Join the organisation through an invitation sent to one of the user's verified addresses."""
    invitation = (
        Invitation.objects.select_for_update().select_related("organisation").get(pk=invitation.pk)
    )
    if invitation.status != Invitation.Status.PENDING:
        raise ValidationError(
            f"This invitation was already {invitation.get_status_display().lower()}.",
            code="not_pending",
        )
    if invitation.is_expired:
        raise ValidationError(
            f"This invitation expired on {_expires_on(invitation)}. Ask an owner of "
            f"{invitation.organisation} to send you a new one.",
            code="expired",
        )
    if invitation.email.lower() not in verified_emails_of(user=user):
        raise PermissionDenied("The invitation was sent to another email address.")
    organisation = invitation.organisation
    membership, _ = Membership.objects.get_or_create(
        organisation=organisation, user=user, defaults={"role": Membership.Role.MEMBER}
    )
    invitation.status = Invitation.Status.ACCEPTED
    invitation.accepted_by = user
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["status", "accepted_by", "accepted_at"])
    activity_record(
        actor=user,
        verb="invitation.accept",
        target=organisation,
        from_state=Invitation.Status.PENDING,
        to_state=Invitation.Status.ACCEPTED,
        data={"email": invitation.email, "membership": membership.pk},
    )
    inviter = invitation.invited_by
    if inviter is not None and inviter.pk != user.pk:
        notification_enqueue(
            to_email=inviter.email,
            recipient=inviter,
            template="invitation_accepted",
            context={
                "organisation": organisation.legal_name,
                "member": user.display_name,
                "email": invitation.email,
                "url": reverse("portal:organisation_detail", kwargs={"pk": organisation.pk}),
            },
            idempotency_key=f"invitation:{invitation.pk}:accepted",
        )
    return membership


def invitations_accept_pending(*, user: User) -> list[Membership]:
    """Join every organisation with a pending invitation to one of the user's verified addresses.

    Called when a user confirms an email address or logs in."""
    emails = verified_emails_of(user=user)
    if not emails:
        return []
    pending = Invitation.objects.open().filter(email__in=emails)  # expired ones wait for a re-send
    joined = []
    for invitation in pending:
        try:
            joined.append(invitation_accept(invitation=invitation, user=user))
        except (ValidationError, PermissionDenied):
            continue  # answered meanwhile by another request
    return joined


@transaction.atomic
def membership_remove(*, membership: Membership, by: User) -> None:
    """An owner removes a member, or a member leaves. An organisation always keeps an owner."""
    if not by.has_perm("portal.remove_member", membership):
        raise PermissionDenied
    organisation = Organisation.objects.select_for_update().get(pk=membership.organisation_id)
    membership = Membership.objects.select_related("user").get(pk=membership.pk)
    if (
        membership.role == Membership.Role.OWNER
        and not organisation.memberships.filter(role=Membership.Role.OWNER)
        .exclude(pk=membership.pk)
        .exists()
    ):
        if by.pk == membership.user_id:
            # The owner clicked "Leave": say so in their terms, and how they unblock it themselves.
            message = (
                f"You are the last owner of {organisation}, so you cannot leave it: an "
                "organisation always keeps an owner. "
            )
            if organisation.memberships.exclude(pk=membership.pk).exists():
                message += (
                    "Make another member an owner first (\u201cMake owner\u201d beside their "
                    "name), then leave."
                )
            else:
                message += (
                    "Invite a teammate, make them an owner (\u201cMake owner\u201d beside their "
                    "name) once they have joined, then leave."
                )
        else:
            message = "The last owner cannot be removed: make another member an owner first."
        raise ValidationError(message, code="last_owner")
    removed_email = membership.user.email
    membership.delete()
    activity_record(
        actor=by,
        verb="membership.remove",
        target=organisation,
        from_state=membership.role,
        data={"email": removed_email, "left": by.pk == membership.user_id},
    )


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str, by: User) -> Membership:
    """An owner makes a member an owner, or an owner a plain member. An organisation always keeps
    at least one owner, so the last owner cannot be made a member."""
    if not by.has_perm("portal.change_member_role", membership):
        raise PermissionDenied
    if role not in Membership.Role.values:
        raise ValidationError(f"Unknown role: {role}.", code="invalid_role")
    # Lock the organisation so two owners demoting each other at once cannot leave it ownerless.
    organisation = Organisation.objects.select_for_update().get(pk=membership.organisation_id)
    membership = Membership.objects.select_related("user").get(pk=membership.pk)
    before = membership.role
    if before == role:
        return membership  # nothing to do (e.g. the button was pressed twice)
    if (
        before == Membership.Role.OWNER
        and not organisation.memberships.filter(role=Membership.Role.OWNER)
        .exclude(pk=membership.pk)
        .exists()
    ):
        raise ValidationError(
            f"{membership.user.display_name} is the last owner of {organisation} and stays "
            "one: an organisation always keeps an owner. Make another member an owner first.",
            code="last_owner",
        )
    membership.role = role
    membership.save(update_fields=["role"])
    activity = activity_record(
        actor=by,
        verb="membership.change_role",
        target=organisation,
        from_state=before,
        to_state=role,
        data={"email": membership.user.email, "membership": membership.pk},
    )
    if membership.user_id != by.pk:  # whoever changed their own role knows already
        notification_enqueue(
            to_email=membership.user.email,
            recipient=membership.user,
            template="membership_role_changed",
            context={
                "organisation": organisation.legal_name,
                "changed_by": by.display_name,
                "role": membership.get_role_display().lower(),
                "is_owner": role == Membership.Role.OWNER,
                "url": reverse("portal:organisation_detail", kwargs={"pk": organisation.pk}),
            },
            idempotency_key=f"membership:{membership.pk}:role:{activity.pk}",
        )
    return membership
