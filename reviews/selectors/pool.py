"""Reads of the reviewer pool: a reviewer's pools and invitations, a call's pool for officers."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from portal.selectors import verified_emails_of
from reviews.models import PoolInvitation, PoolMembership, ReviewerProfile


def accepted_terms_call_ids(*, user) -> set[int]:
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(
        PoolMembership.objects.filter(user=user, terms_accepted_at__isnull=False).values_list(
            "call_id", flat=True
        )
    )


def reviewer_pools(*, user) -> QuerySet[PoolMembership]:
    return PoolMembership.objects.filter(user=user).select_related("call").order_by("call__title")


def pending_pool_invitations(*, user) -> QuerySet[PoolInvitation]:
    """Invitations to one of the user's verified addresses that wait for an answer."""
    return (
        PoolInvitation.objects.filter(
            status=PoolInvitation.Status.INVITED, email__in=verified_emails_of(user=user)
        )
        .select_related("call")
        .order_by("call__title")
    )


def call_pool(*, call) -> QuerySet[PoolInvitation]:
    """Every invitation of a call, with who answered and their membership (officers' list)."""
    return (
        PoolInvitation.objects.filter(call=call)
        .select_related("user", "membership", "invited_by")
        .order_by("status", "email")
    )


def reviewer_profile_of(*, user) -> ReviewerProfile | None:
    return (
        ReviewerProfile.objects.filter(user=user)
        .prefetch_related(Prefetch("past_employers"))
        .first()
    )
