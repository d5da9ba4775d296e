"""Reads for the eligibility pages: the proposals awaiting the check, fetched for their
automatic results in a fixed number of queries whatever their number."""

from __future__ import annotations

from django.db.models import QuerySet

from applications.hooks import submitted_q, was_submitted
from applications.models import CutOff, Proposal
from reviews.models import EligibilityCheck

AWAITING = "submitted"


def _with_facts(qs: QuerySet[Proposal]) -> QuerySet[Proposal]:
    # What the automatic checks read: the call, the organisation, the team and the requests.
    return qs.select_related("call", "organisation", "cutoff").prefetch_related(
        "team", "requests__offered_partition__partition"
    )


def awaiting_eligibility(*, cutoff: CutOff) -> QuerySet[Proposal]:
    """The cut-off's proposals whose eligibility is still to check, in submission order."""
    return _with_facts(
        Proposal.objects.filter(submitted_q(), cutoff=cutoff, status=AWAITING)
    ).order_by("submitted_at", "pk")


def proposal_for_eligibility(*, pk: int) -> Proposal | None:
    proposal = _with_facts(Proposal.objects.filter(pk=pk)).first()
    return proposal if was_submitted(proposal) else None


def eligibility_check_of(*, proposal: Proposal) -> EligibilityCheck | None:
    return EligibilityCheck.objects.select_related("checked_by").filter(proposal=proposal).first()
