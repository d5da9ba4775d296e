"""Writes on organisations: create, update, invite by email, accept, revoke, remove a member.

Each function checks permission and state, runs in one transaction, writes the activity log, and
queues its mail through the outbox (delivered after commit)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

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
        verb="organisation.created",
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
        verb="organisation.updated",
        target=organisation,
        from_state=kind_before,
        to_state=organisation.kind,
        data={"changes": changes},
    )
    return sorted(changes)


def _invitation_url(invitation: Invitation) -> str:
    return reverse("portal:invitation_open", kwargs={"token": invitation.token})


@transaction.atomic
def invitation_create(*, organisation: Organisation, by: User, email: str) -> Invitation:
    """Invite someone by email. They join when they sign up or log in with that address."""
    if not by.has_perm("portal.invite_member", organisation):
        raise PermissionDenied
    email = User.objects.normalize_email(email).strip().lower()
    if Membership.objects.filter(organisation=organisation, user__email__iexact=email).exists():
        raise ValidationError(
            {"email": f"{email} is already a member of {organisation}."}, code="already_member"
        )
    if organisation.invitations.filter(email=email, status=Invitation.Status.PENDING).exists():
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
    activity_record(actor=by, verb="invitation.created", target=organisation, data={"email": email})
    notification_enqueue(
        to_email=email,
        recipient=User.objects.filter(email__iexact=email).first(),
        template="invitation_created",
        context={
            "organisation": organisation.legal_name,
            "invited_by": by.display_name,
            "email": email,
            "url": _invitation_url(invitation),
        },
        idempotency_key=f"invitation:{invitation.pk}:created",
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
        verb="invitation.revoked",
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
        verb="invitation.accepted",
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
    pending = Invitation.objects.filter(status=Invitation.Status.PENDING, email__in=emails)
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
            # The owner clicked "Leave": say so in their terms, and who can unblock it (roles
            # are changed by the portal's administrators, not on the organisation page).
            message = (
                f"You are the last owner of {organisation}, so you cannot leave it: an "
                "organisation always keeps an owner. Ask the portal's administrators to make "
                "another member an owner first."
            )
        else:
            message = "The last owner cannot be removed: make another member an owner first."
        raise ValidationError(message, code="last_owner")
    removed_email = membership.user.email
    membership.delete()
    activity_record(
        actor=by,
        verb="membership.removed",
        target=organisation,
        from_state=membership.role,
        data={"email": removed_email, "left": by.pk == membership.user_id},
    )
