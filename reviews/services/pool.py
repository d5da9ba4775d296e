"""Writes of the reviewer pool: the reviewer's profile, invitations to a call's pool (sent,
accepted on signup, login or through the link, declined), removal by an officer, and the call's
confidentiality terms, accepted once per call."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from applications.models import Call
from applications.modes import EvaluationPath, defaults_for
from portal.models import User
from portal.models.accounts import REVIEWER_GROUP
from portal.selectors import verified_emails_of
from portal.services.activity import activity_record
from portal.services.notifications import notification_enqueue
from reviews.models import PastEmployer, PoolInvitation, PoolMembership, ReviewerProfile

I = PoolInvitation.Status  # noqa: E741
PROFILE_FIELDS = (
    "expertise_keywords",
    "expertise_fields",
    "affiliation",
    "email_domains",
    "orcid",
    "max_load",
)
EMPLOYER_FIELDS = ("name", "registration_number", "vat_number", "from_year", "to_year")
MAX_EMPLOYERS = 20


def _normalise_domains(values: list[str]) -> list[str]:
    return sorted({v.strip().lower().lstrip("@") for v in values if v and v.strip()})


@transaction.atomic
def reviewer_profile_update(
    *, user: User, values: dict[str, Any], employers: list[dict[str, Any]] | None = None
) -> ReviewerProfile:
    """Save the reviewer's own profile; `employers`, when given, replaces the past employers."""
    if not user.has_perm("reviews.edit_reviewer_profile"):
        raise PermissionDenied
    unknown = set(values) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"Not profile fields: {', '.join(sorted(unknown))}")
    profile, _ = ReviewerProfile.objects.select_for_update().get_or_create(user=user)
    for field, value in values.items():
        if field == "email_domains":
            value = _normalise_domains(value)
        setattr(profile, field, value)
    profile.full_clean(exclude=["user"])
    profile.save()
    if employers is not None:
        if len(employers) > MAX_EMPLOYERS:
            raise ValidationError(
                {"employers": f"Give at most {MAX_EMPLOYERS} past employers."}, code="too_many"
            )
        rows = []
        for index, data in enumerate(employers):
            unknown = set(data) - set(EMPLOYER_FIELDS)
            if unknown:
                raise ValueError(f"Not employer fields: {', '.join(sorted(unknown))}")
            row = PastEmployer(profile=profile, **data)
            try:
                row.full_clean(exclude=["profile"])
            except ValidationError as exc:
                raise ValidationError(
                    {f"employers[{index}]": exc.messages}, code="invalid_employer"
                ) from exc
            rows.append(row)
        profile.past_employers.all().delete()
        PastEmployer.objects.bulk_create(rows)
    activity_record(actor=user, verb="reviewer_profile.update", target=profile)
    return profile


def _invitation_mail(invitation: PoolInvitation, *, by: User) -> None:
    notification_enqueue(
        to_email=invitation.email,
        recipient=User.objects.filter(email__iexact=invitation.email).first(),
        template="reviewer_pool_invitation",
        context={
            "call": invitation.call.title,
            "invited_by": by.display_name,
            "email": invitation.email,
            "url": reverse("reviews:pool_invitation_open", kwargs={"token": invitation.token}),
        },
        idempotency_key=f"reviewer_pool_invitation:{invitation.pk}:{invitation.token}",
    )


@transaction.atomic
def pool_invite(*, call: Call, by: User, email: str) -> PoolInvitation:
    """Invite someone to review for a call. A declined or removed person may be invited again."""
    if not by.has_perm("reviews.manage_reviewer_pool"):
        raise PermissionDenied
    if defaults_for(call.mode).path != EvaluationPath.PEER_REVIEW:
        raise ValidationError(
            {
                "email": f"{call.get_mode_display()} proposals are decided without reviewers: "
                "only peer-reviewed calls have a reviewer pool."
            },
            code="not_peer_reviewed",
        )
    email = User.objects.normalize_email(email or "").strip().lower()
    existing = PoolInvitation.objects.select_for_update().filter(call=call, email=email).first()
    if existing is not None and existing.status in (I.INVITED, I.ACCEPTED):
        word = "is already in" if existing.status == I.ACCEPTED else "is already invited to"
        raise ValidationError({"email": f"{email} {word} this call's pool."}, code="already")
    if existing is not None:
        existing.status, existing.token, existing.invited_by = I.INVITED, uuid.uuid4(), by
        existing.user, existing.answered_at = None, None
        existing.save(update_fields=["status", "token", "invited_by", "user", "answered_at"])
        invitation = existing
    else:
        try:
            with transaction.atomic():
                invitation = PoolInvitation.objects.create(call=call, email=email, invited_by=by)
        except IntegrityError as exc:  # invited at the same moment by another request
            raise ValidationError(
                {"email": f"{email} is already invited to this call's pool."}, code="already"
            ) from exc
    activity_record(actor=by, verb="reviewer_pool.invite", target=call, data={"email": email})
    _invitation_mail(invitation, by=by)
    return invitation


def _answerable(invitation_pk: int, *, user: User, via_token: bool) -> PoolInvitation:
    invitation = (
        PoolInvitation.objects.select_for_update().select_related("call").get(pk=invitation_pk)
    )
    if invitation.status != I.INVITED:
        raise ValidationError(
            f"This invitation was already {invitation.get_status_display().lower()}.",
            code="not_pending",
        )
    # The link in the mail proves receipt of it; otherwise the address must be the user's own.
    if not via_token and invitation.email not in verified_emails_of(user=user):
        raise PermissionDenied("The invitation was sent to another email address.")
    return invitation


@transaction.atomic
def pool_invitation_accept(
    *, invitation: PoolInvitation, user: User, via_token: bool = False
) -> PoolMembership:
    """Join the call's pool: a pool membership, and the reviewer role (the reviewer group)."""
    invitation = _answerable(invitation.pk, user=user, via_token=via_token)
    membership, _ = PoolMembership.objects.get_or_create(
        call=invitation.call, user=user, defaults={"invitation": invitation}
    )
    group, _ = Group.objects.get_or_create(name=REVIEWER_GROUP)
    user.groups.add(group)
    user.__dict__.pop("_portal_group_names", None)
    invitation.status, invitation.user, invitation.answered_at = I.ACCEPTED, user, timezone.now()
    invitation.save(update_fields=["status", "user", "answered_at"])
    activity_record(
        actor=user,
        verb="reviewer_pool.accept",
        target=invitation.call,
        data={"email": invitation.email},
    )
    return membership


@transaction.atomic
def pool_invitation_decline(
    *, invitation: PoolInvitation, user: User, via_token: bool = False
) -> PoolInvitation:
    invitation = _answerable(invitation.pk, user=user, via_token=via_token)
    invitation.status, invitation.user, invitation.answered_at = I.DECLINED, user, timezone.now()
    invitation.save(update_fields=["status", "user", "answered_at"])
    activity_record(
        actor=user,
        verb="reviewer_pool.decline",
        target=invitation.call,
        data={"email": invitation.email},
    )
    return invitation


def pool_invitations_join(*, user: User) -> list[PoolMembership]:
    """Join every pool with an invitation to one of the user's verified addresses (on login and
    when an address is confirmed at signup)."""
    emails = verified_emails_of(user=user)
    if not emails:
        return []
    joined = []
    for invitation in PoolInvitation.objects.filter(status=I.INVITED, email__in=emails):
        try:
            joined.append(pool_invitation_accept(invitation=invitation, user=user))
        except (ValidationError, PermissionDenied):
            continue  # answered meanwhile by another request
    return joined


@transaction.atomic
def pool_member_remove(*, invitation: PoolInvitation, by: User) -> PoolInvitation:
    """Take someone out of a call's pool (or withdraw their invitation)."""
    if not by.has_perm("reviews.manage_reviewer_pool"):
        raise PermissionDenied
    invitation = (
        PoolInvitation.objects.select_for_update().select_related("call").get(pk=invitation.pk)
    )
    if invitation.status not in (I.INVITED, I.ACCEPTED):
        raise ValidationError(
            f"This invitation was already {invitation.get_status_display().lower()}.",
            code="not_pending",
        )
    # The person's membership of the call, whichever of their addresses they joined with.
    if invitation.user_id is not None and invitation.status == I.ACCEPTED:
        PoolMembership.objects.filter(call=invitation.call, user_id=invitation.user_id).delete()
    from_state = invitation.status
    invitation.status, invitation.answered_at = I.REMOVED, timezone.now()
    invitation.save(update_fields=["status", "answered_at"])
    activity_record(
        actor=by,
        verb="reviewer_pool.remove",
        target=invitation.call,
        from_state=from_state,
        to_state=I.REMOVED,
        data={"email": invitation.email},
    )
    return invitation


@transaction.atomic
def pool_terms_accept(*, call: Call, user: User) -> PoolMembership:
    """Accept the call's confidentiality terms; once per call (a second call changes nothing)."""
    membership = PoolMembership.objects.select_for_update().filter(call=call, user=user).first()
    if membership is None:
        raise PermissionDenied("You are not in this call's reviewer pool.")
    if membership.terms_accepted_at is None:
        membership.terms_accepted_at = timezone.now()
        membership.save(update_fields=["terms_accepted_at"])
        activity_record(actor=user, verb="reviewer_pool.terms_accept", target=call)
    return membership
