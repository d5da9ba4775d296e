"""Who holds which role. Roles are data: groups for programme officers and reviewers, centre
memberships for technical assessors and centre administrators. One place answers the question."""

from __future__ import annotations

from django.contrib.auth.models import Group

from portal.models.accounts import PROGRAMME_OFFICER_GROUP, REVIEWER_GROUP

STAFF_GROUPS = (PROGRAMME_OFFICER_GROUP, REVIEWER_GROUP)


def _group_names(user) -> set[str]:
    # Cached on the user object for the request: navigation and permission checks ask repeatedly.
    cached = getattr(user, "_portal_group_names", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True)) if user.is_authenticated else set()
        user._portal_group_names = cached
    return cached


def _centre_roles(user) -> set[tuple[int, str]]:
    cached = getattr(user, "_portal_centre_roles", None)
    if cached is None:
        cached = (
            set(user.centre_memberships.values_list("centre_id", "role"))
            if user.is_authenticated
            else set()
        )
        user._portal_centre_roles = cached
    return cached


def is_programme_officer(user) -> bool:
    return user.is_authenticated and PROGRAMME_OFFICER_GROUP in _group_names(user)


def is_reviewer(user) -> bool:
    return user.is_authenticated and REVIEWER_GROUP in _group_names(user)


def centre_ids_with_role(user, role: str) -> set[int]:
    return {centre_id for centre_id, r in _centre_roles(user) if r == role}


def is_technical_assessor(user) -> bool:
    return bool(centre_ids_with_role(user, "technical_assessor"))


def is_centre_administrator(user) -> bool:
    return bool(centre_ids_with_role(user, "centre_administrator"))


def is_staff_role(user) -> bool:
    """Anyone who sees other people's proposals or runs the programme: must use MFA. The staff
    flag opens the Django admin (where a superuser's powers lie, so they need it too); the
    superuser flag alone opens nothing."""
    if not user.is_authenticated:
        return False
    return bool(user.is_staff or _group_names(user) & set(STAFF_GROUPS) or _centre_roles(user))


def ensure_role_groups() -> None:
    for name in STAFF_GROUPS:
        Group.objects.get_or_create(name=name)
