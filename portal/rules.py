"""Permissions of the portal core. Pages, services and the API ask these same questions."""

from __future__ import annotations

import rules

from portal.models import Invitation, Membership, Organisation
from portal.roles import is_programme_officer


def membership_role(user, organisation: Organisation) -> str | None:
    """The user's role in the organisation, or None. Cached on the organisation per user, so a
    page that asks several permissions costs one query."""
    if not user.is_authenticated or organisation is None or organisation.pk is None:
        return None
    cache = organisation.__dict__.setdefault("_portal_member_roles", {})
    if user.pk not in cache and not organisation.__dict__.get("_portal_member_roles_complete"):
        cache[user.pk] = (
            Membership.objects.filter(organisation=organisation, user=user)
            .values_list("role", flat=True)
            .first()
        )
    return cache.get(user.pk)


def prime_membership_roles(organisation: Organisation, memberships) -> None:
    """Fill the role cache from memberships a page has already loaded (saves a query)."""
    organisation.__dict__["_portal_member_roles"] = {m.user_id: m.role for m in memberships}
    organisation.__dict__["_portal_member_roles_complete"] = True


@rules.predicate
def is_organisation_member(user, organisation: Organisation | None) -> bool:
    return membership_role(user, organisation) is not None


@rules.predicate
def is_organisation_owner(user, organisation: Organisation | None) -> bool:
    return membership_role(user, organisation) == Membership.Role.OWNER


@rules.predicate
def is_invitation_owner(user, invitation: Invitation | None) -> bool:
    return invitation is not None and is_organisation_owner(user, invitation.organisation)


@rules.predicate
def is_owner_of_membership_organisation(user, membership: Membership | None) -> bool:
    return membership is not None and is_organisation_owner(user, membership.organisation)


@rules.predicate
def is_own_membership(user, membership: Membership | None) -> bool:
    return membership is not None and user.is_authenticated and membership.user_id == user.pk


@rules.predicate
def is_authenticated(user) -> bool:
    return user.is_authenticated


@rules.predicate
def runs_the_programme(user) -> bool:
    return is_programme_officer(user)


@rules.predicate
def is_site_administrator(user) -> bool:
    """Site administrators run the installation (the Django admin's staff flag): they can mend
    what makes background work fail (mail server, addresses, PDF rendering) and re-queue it."""
    return user.is_authenticated and user.is_active and user.is_staff


rules.add_perm("portal.add_organisation", is_authenticated)
rules.add_perm("portal.view_organisation", is_organisation_member)
rules.add_perm("portal.change_organisation", is_organisation_owner)
rules.add_perm("portal.invite_member", is_organisation_owner)
rules.add_perm("portal.revoke_invitation", is_invitation_owner)
rules.add_perm("portal.resend_invitation", is_invitation_owner)
# Only owners change roles; the service keeps at least one owner.
rules.add_perm("portal.change_member_role", is_owner_of_membership_organisation)
# Owners remove members; anyone may leave an organisation (the last owner is kept by the service).
rules.add_perm("portal.remove_member", is_owner_of_membership_organisation | is_own_membership)
# The failed-work page: background work given up after its last attempt, and its re-queue.
rules.add_perm("portal.manage_failed_work", is_site_administrator)
# Mails held for review before they go (decisions): the programme office reads, edits, releases.
rules.add_perm("portal.review_held_notifications", runs_the_programme)
