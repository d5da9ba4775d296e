"""What a proposal in evaluation waits on, as far as the technical assessment tells: the answers
reviews gives through applications.hooks.WaitingProvider (registered in ReviewsConfig.ready)."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, Q

from applications.models import WaitingOn
from reviews.models import TechnicalAssessment

S = TechnicalAssessment.Status


def assessment_waiting_refine(proposal_ids: list[int]) -> dict[int, str]:
    """Of these proposals (past eligibility, not decided): ASSESSMENT_OVERDUE when an assessment
    is overdue, ASSESSMENT when one is open, or when none was opened yet (they open right after
    eligibility; the sweep opens any the receiver missed). One grouped query."""
    counts = {
        row["proposal_id"]: row
        for row in TechnicalAssessment.objects.filter(proposal_id__in=proposal_ids)
        .values("proposal_id")
        .annotate(
            total=Count("pk"),
            open=Count("pk", filter=Q(status=S.OPEN)),
            overdue=Count("pk", filter=Q(status=S.OVERDUE)),
        )
        .order_by()
    }
    refined = {}
    for pk in proposal_ids:
        row = counts.get(pk)
        if row is None or row["open"]:
            refined[pk] = WaitingOn.ASSESSMENT
        if row is not None and row["overdue"]:
            refined[pk] = WaitingOn.ASSESSMENT_OVERDUE
    return refined


def assessment_waits(proposal_ids: list[int]) -> dict[int, tuple[tuple[str, bool], ...]]:
    """{proposal: ((centre short name, overdue), ...)} of the assessments not yet submitted, in
    centre order; one query."""
    waits: dict[int, dict[str, bool]] = defaultdict(dict)
    for proposal_id, centre, status in (
        TechnicalAssessment.objects.filter(proposal_id__in=proposal_ids)
        .exclude(status=S.SUBMITTED)
        .order_by("proposal_id", "centre__short_name")
        .values_list("proposal_id", "centre__short_name", "status")
    ):
        centres = waits[proposal_id]
        centres[centre] = centres.get(centre, False) or status == S.OVERDUE
    return {pk: tuple(centres.items()) for pk, centres in waits.items()}
