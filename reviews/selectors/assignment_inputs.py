"""Reads the assignment's inputs start from: which proposals take reviewers and who may review."""

from __future__ import annotations

from applications.models import CutOff, ProposalStatus
from reviews.models import PoolMembership

# The proposals that take reviewers: found eligible, or already in review.
ASSIGNABLE_STATUSES = (ProposalStatus.ELIGIBLE, ProposalStatus.IN_REVIEW)


def pool_reviewers(cutoff: CutOff) -> list[PoolMembership]:
    """The call's reviewers who accepted its terms (only they may be assigned)."""
    return list(
        PoolMembership.objects.filter(call_id=cutoff.call_id, terms_accepted_at__isnull=False)
        .select_related("user", "user__reviewer_profile")
        .order_by("user_id")
    )
