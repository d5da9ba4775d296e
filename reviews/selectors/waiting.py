"""What a proposal in evaluation waits on, as far as its peer reviews and technical assessments
tell: the answers reviews gives through applications.hooks.WaitingProvider (registered in
ReviewsConfig.ready, the reviews' first so that an open assessment's answer wins)."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, Q

from applications.models import Proposal, WaitingOn
from applications.modes import AccessMode, EvaluationPath, defaults_for
from reviews.models import (
    INACTIVE_ASSIGNMENT_STATUSES,
    Review,
    ReviewAssignment,
    TechnicalAssessment,
)

S = TechnicalAssessment.Status
# How `waiting_for` names the centres: "BSC, CSC (overdue)" (centres' short names hold neither).
SEPARATOR = ", "
OVERDUE = " (overdue)"


def waiting_for_text(centres: dict[str, bool]) -> str:
    """{centre short name: overdue} as `waiting_for` keeps it."""
    return SEPARATOR.join(name + (OVERDUE if late else "") for name, late in centres.items())


def waiting_for_centres(text: str) -> list[tuple[str, bool]]:
    """`waiting_for_text` read back: [(centre short name, overdue)]."""
    return [
        (name.removesuffix(OVERDUE), name.endswith(OVERDUE))
        for name in text.split(SEPARATOR)
        if name
    ]


def assessment_waiting_refine(proposal_ids: list[int]) -> dict[int, tuple[str, str]]:
    """Of these proposals (past eligibility, not decided), those waiting on a technical
    assessment: (ASSESSMENT_OVERDUE or ASSESSMENT, "CSC, IT4I (overdue)"), the centres still
    assessing in name order. A proposal without any assessment yet waits on one too (they open
    right after eligibility; the sweep opens any the receiver missed). One query."""
    seen: set[int] = set()
    centres: dict[int, dict[str, bool]] = defaultdict(dict)
    for proposal_id, centre, status in (
        TechnicalAssessment.objects.filter(proposal_id__in=proposal_ids)
        .order_by("proposal_id", "centre__short_name")
        .values_list("proposal_id", "centre__short_name", "status")
    ):
        seen.add(proposal_id)
        if status != S.SUBMITTED:
            waiting = centres[proposal_id]
            waiting[centre] = waiting.get(centre, False) or status == S.OVERDUE
    refined = {pk: (WaitingOn.ASSESSMENT, "") for pk in proposal_ids if pk not in seen}
    for pk, waiting in centres.items():
        late = any(waiting.values())
        who = ", ".join(
            f"{name} (overdue)" if overdue else name for name, overdue in waiting.items()
        )
        refined[pk] = (WaitingOn.ASSESSMENT_OVERDUE if late else WaitingOn.ASSESSMENT, who)
    return refined


# The modes whose proposals are peer reviewed (Large Scale).
PEER_REVIEWED_MODES = tuple(
    mode for mode in AccessMode.values if defaults_for(mode).path == EvaluationPath.PEER_REVIEW
)
NO_REVIEWER = "no reviewer yet"


def reviews_waiting_for(*, reviews_in: int, owed: int) -> str:
    """`waiting_for` of a proposal in peer review: "1 of 3 reviews in", "no reviewer yet"."""
    if owed == 0:
        return NO_REVIEWER
    return f"{reviews_in} of {owed} review{'' if owed == 1 else 's'} in"


def reviews_waiting_refine(proposal_ids: list[int]) -> dict[int, tuple[str, str]]:
    """Of these proposals (past eligibility, not decided, not in reply or panel: on the peer
    review path, eligible or in review), those of peer-reviewed calls whose reviews are not all
    in: (REVIEWS, "1 of 3 reviews in" or "no reviewer yet"). Reviews owed are the assignments
    that count (not declined or conflicted), as for the door's guard (reviews_complete); with
    all of them in, the officer's move is next and the status's answer stands. Two queries."""
    peer = list(
        Proposal.objects.filter(pk__in=proposal_ids, call__mode__in=PEER_REVIEWED_MODES)
        .order_by()
        .values_list("pk", flat=True)
    )
    if not peer:
        return {}
    counts = {
        pk: (done, owed)
        for pk, done, owed in ReviewAssignment.objects.filter(proposal_id__in=peer)
        .exclude(status__in=INACTIVE_ASSIGNMENT_STATUSES)
        .order_by()
        .values("proposal_id")
        .annotate(
            done=Count("pk", filter=Q(review__status=Review.Status.SUBMITTED)), owed=Count("pk")
        )
        .values_list("proposal_id", "done", "owed")
    }
    refined = {}
    for pk in peer:
        done, owed = counts.get(pk, (0, 0))
        if owed == 0 or done < owed:
            refined[pk] = (WaitingOn.REVIEWS, reviews_waiting_for(reviews_in=done, owed=owed))
    return refined
