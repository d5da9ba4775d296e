"""What a proposal in evaluation waits on, as far as the technical assessment tells: the answer
reviews gives through applications.hooks.WaitingProvider (registered in ReviewsConfig.ready)."""

from __future__ import annotations

from collections import defaultdict

from applications.models import WaitingOn
from reviews.models import TechnicalAssessment

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
