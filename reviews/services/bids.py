"""Writes of bids: a pool reviewer says how much they want to review a proposal they may see."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError

from applications.models import Proposal
from portal.models import User
from reviews.models import Bid, BidLevel


def bid_set(*, reviewer: User, proposal: Proposal, level: str | None) -> Bid | None:
    """Set (or, with no level, withdraw) the reviewer's bid on the proposal. Refused for anyone
    outside the call's pool under accepted terms and for a conflicted pair: a conflict is never
    bid on, so a bid can never pull a conflicted reviewer towards a proposal."""
    if not reviewer.has_perm("reviews.bid", proposal):
        raise PermissionDenied
    if not level:
        Bid.objects.filter(reviewer=reviewer, proposal=proposal).delete()
        return None
    if level not in BidLevel.values:
        raise ValidationError(
            {"level": "Choose eager, willing or rather not."}, code="invalid_bid_level"
        )
    bid, _ = Bid.objects.update_or_create(
        reviewer=reviewer, proposal=proposal, defaults={"level": level}
    )
    return bid
