from dataclasses import dataclass
from typing import Any

from django.utils.functional import SimpleLazyObject

from portal import roles

# The one context name the shell (base.html and its navigation) reads. Pages keep their own
# variables under other names; tests/portal/test_shell_pages.py renders every page of every role
# and fails when a page's context replaces this one.
SHELL_CONTEXT_NAME = "portal_nav"


@dataclass(frozen=True)
class ShellNavigation:
    """What the navigation shows: each role sees the entries for what it can do."""

    # Applicant items ("My proposals"): anyone without a staff role, and staff who belong to an
    # organisation that applies (a reviewer may also apply); other staff have no use for them.
    applicant: bool = False
    programme_officer: bool = False
    reviewer: bool = False
    technical_assessor: bool = False
    centre_administrator: bool = False
    admin: bool = False
    # Site administrators see background work given up after its last attempt.
    failed_work: bool = False
    # One COUNT query, and only when a template shows the badge.
    unread_notifications: Any = 0


ANONYMOUS = ShellNavigation()


def _is_applicant(user) -> bool:
    if not roles.is_staff_role(user):
        return True
    from portal.models import Membership

    return Membership.objects.filter(user=user).exists()


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {SHELL_CONTEXT_NAME: ANONYMOUS}

    def unread() -> int:
        from portal.selectors import unread_notification_count

        return unread_notification_count(user=user)

    return {
        SHELL_CONTEXT_NAME: ShellNavigation(
            applicant=_is_applicant(user),
            programme_officer=roles.is_programme_officer(user),
            reviewer=roles.is_reviewer(user),
            technical_assessor=roles.is_technical_assessor(user),
            centre_administrator=roles.is_centre_administrator(user),
            # A link to the Django admin, the one place where the superuser flag counts.
            admin=user.is_superuser,
            failed_work=user.has_perm("portal.manage_failed_work"),
            unread_notifications=SimpleLazyObject(unread),
        )
    }
