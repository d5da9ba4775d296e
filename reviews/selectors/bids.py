"""Reads of bids: the cut-offs a reviewer may bid on and, per cut-off, the proposals open to them
(submitted, of a call whose terms they accepted, with no known conflict) with their bid."""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery

from applications.hooks import submitted_q
from applications.models import CutOff, Proposal
from reviews.models import Bid, DeclaredConflict, DetectedConflict, PoolMembership
from reviews.selectors.pool import accepted_terms_call_ids


def without_conflicts_of(proposals: QuerySet[Proposal], *, reviewer) -> QuerySet[Proposal]:
    """The proposals minus every one the reviewer has a known conflict with (detected and not
    dismissed, or declared for the proposal or its organisation), in the query itself."""
    detected = (
        DetectedConflict.objects.filter(reviewer=reviewer)
        .exclude(status=DetectedConflict.Status.DISMISSED)
        .values("proposal_id")
    )
    declared = DeclaredConflict.objects.filter(reviewer=reviewer)
    return (
        proposals.exclude(pk__in=detected)
        .exclude(pk__in=declared.filter(proposal__isnull=False).values("proposal_id"))
        .exclude(
            organisation_id__in=declared.filter(organisation__isnull=False).values(
                "organisation_id"
            )
        )
    )


def bid_cutoffs(*, reviewer) -> QuerySet[CutOff]:
    """Cut-offs of the calls whose terms the reviewer accepted that hold a submitted proposal."""
    if not getattr(reviewer, "is_authenticated", False):
        return CutOff.objects.none()
    # Subqueries, so the reviewer's page pays one query for this list.
    call_ids = PoolMembership.objects.filter(user=reviewer, terms_accepted_at__isnull=False).values(
        "call_id"
    )
    with_submitted = Proposal.objects.filter(submitted_q(), call_id__in=call_ids).values(
        "cutoff_id"
    )
    return (
        CutOff.objects.filter(call_id__in=call_ids, pk__in=with_submitted)
        .select_related("call")
        .order_by("at", "pk")
    )


def biddable_proposals(*, reviewer, cutoff: CutOff) -> QuerySet[Proposal]:
    """The cut-off's proposals the reviewer may bid on, each with `bid_level` (None: no bid).
    Empty when the reviewer has not accepted the call's terms."""
    if cutoff.call_id not in accepted_terms_call_ids(user=reviewer):
        return Proposal.objects.none()
    own_bid = Bid.objects.filter(reviewer=reviewer, proposal=OuterRef("pk")).values("level")[:1]
    proposals = Proposal.objects.filter(submitted_q(), cutoff=cutoff)
    return (
        without_conflicts_of(proposals, reviewer=reviewer)
        .annotate(bid_level=Subquery(own_bid))
        .select_related("organisation")
        .order_by("reference", "pk")
    )


def bids_of(*, reviewer) -> QuerySet[Bid]:
    """The reviewer's bids, minus any on a proposal they have since found a conflict with."""
    open_proposals = without_conflicts_of(
        Proposal.objects.filter(submitted_q()), reviewer=reviewer
    ).filter(call_id__in=accepted_terms_call_ids(user=reviewer))
    return (
        Bid.objects.filter(reviewer=reviewer, proposal__in=open_proposals)
        .select_related("proposal")
        .order_by("proposal__cutoff_id", "proposal__reference", "proposal_id")
    )


def assignments_of(*, reviewer):
    """The reviewer's assignments they may still see (no conflict found since), declined aside."""
    from reviews.models import INACTIVE_ASSIGNMENT_STATUSES, ReviewAssignment

    # Subqueries, so the reviewer's page pays one query for this list.
    call_ids = PoolMembership.objects.filter(user=reviewer, terms_accepted_at__isnull=False).values(
        "call_id"
    )
    open_proposals = without_conflicts_of(
        Proposal.objects.filter(submitted_q()), reviewer=reviewer
    ).filter(call_id__in=call_ids)
    return (
        ReviewAssignment.objects.filter(reviewer=reviewer, proposal__in=open_proposals)
        .exclude(status__in=INACTIVE_ASSIGNMENT_STATUSES)
        .select_related("proposal", "proposal__organisation")
        .order_by("proposal__cutoff_id", "proposal__reference", "proposal_id")
    )
