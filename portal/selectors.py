"""Reads of the portal core: what a user may see, fetched in a fixed number of queries."""

from __future__ import annotations

from django.db.models import Count, Prefetch, QuerySet

from portal.models import Invitation, Membership, Notification, Organisation, User


def organisations_of(*, user: User) -> QuerySet[Organisation]:
    """Organisations the user belongs to, with their member count and the user's own role."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    # A subquery, not a join on memberships: the count must see every member, not only the user.
    return (
        Organisation.objects.filter(
            pk__in=Membership.objects.filter(user=user).values("organisation_id")
        )
        .annotate(member_count=Count("memberships", distinct=True))
        .order_by("legal_name")
    )


def organisation_roles_of(*, user: User) -> dict[int, str]:
    return dict(Membership.objects.filter(user=user).values_list("organisation_id", "role"))


def organisation_for_member(*, user: User) -> QuerySet[Organisation]:
    """The organisations a user may open; anything else is a 404. Members come prefetched, with
    their users, owners first."""
    return organisations_of(user=user).prefetch_related(
        Prefetch(
            "memberships",
            queryset=Membership.objects.select_related("user").order_by("-role", "user__email"),
        ),
        Prefetch(
            "invitations",
            queryset=Invitation.objects.filter(status=Invitation.Status.PENDING)
            .select_related("invited_by")
            .order_by("email"),
            to_attr="pending_invitations",
        ),
    )


def invitations_pending_for(*, user: User) -> QuerySet[Invitation]:
    """Invitations sent to the user's verified addresses. An address merely added to an account
    proves nothing: it must not reveal who invites it, nor the invitation's link."""
    if not user.is_authenticated:
        return Invitation.objects.none()
    return (
        Invitation.objects.open()  # an expired one cannot be accepted, so it is not offered
        .filter(email__in=verified_emails_of(user=user))
        .select_related("organisation", "invited_by")
    )


# A held mail is not the recipient's yet (a decision under review), nor one discarded unsent.
UNSENT_DRAFTS = (Notification.Status.HELD, Notification.Status.DISCARDED)


def notifications_for(*, user: User) -> QuerySet[Notification]:
    return (
        Notification.objects.filter(recipient=user, show_in_portal=True)
        .exclude(status__in=UNSENT_DRAFTS)
        .order_by("-created_at", "-id")
    )


def unread_notification_count(*, user: User) -> int:
    return notifications_for(user=user).filter(read_at__isnull=True).count()


def verified_emails_of(*, user: User) -> set[str]:
    """The addresses the user has proved they own (lower-cased)."""
    from allauth.account.models import EmailAddress

    if not user.is_authenticated:
        return set()
    return {
        email.lower()
        for email in EmailAddress.objects.filter(user=user, verified=True).values_list(
            "email", flat=True
        )
    }


def invitations_if_no_organisation(*, user: User) -> list[Invitation] | None:
    """None when the user needs no nudge (signed out, a member of an organisation, or staff, who
    do not apply); else the invitations they could accept instead of registering one (maybe
    none). Two queries at most."""
    from portal.roles import is_staff_role

    if not user.is_authenticated or is_staff_role(user):
        return None
    if Membership.objects.filter(user=user).exists():
        return None
    return list(invitations_pending_for(user=user))
