"""The programme officer's workspace: per call and cut-off, what waits on whom.

Every figure comes from kept counts, in a constant number of queries whatever the number of
proposals and of cut-offs shown: the cut-offs (one query), how many of their proposals wait on
what, with which status and for which centres (CutOffWaitingCount, kept in step with
`Proposal.waiting_on` by applications; one query), and the kept time-to-access counts (one
query). Nothing here counts proposals or assessments, so the page's time does not grow with them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Q, Subquery

from applications.models import Call, CutOff, CutOffWaitingCount, ProposalStatus, WaitingOn
from applications.selectors.time_to_access import cutoffs_clocks
from applications.time_to_access import CutOffTimeToAccess
from applications.working_days import WorkingCalendar
from reviews.selectors.waiting import waiting_for_centres

# Passed cut-offs stay on the workspace this long, and longer while anything waits at them.
RECENT = timedelta(days=120)
# At most this many cut-offs (the most recent first): a bound on the page, not a filter that
# should ever bite in a programme's life.
MAX_CUTOFFS = 60
# What still needs someone's move.
OPEN_WORK = (
    WaitingOn.ELIGIBILITY,
    WaitingOn.ASSESSMENT,
    WaitingOn.ASSESSMENT_OVERDUE,
    WaitingOn.REVIEWS,
    WaitingOn.REPLY,
    WaitingOn.PANEL,
    WaitingOn.DECISION,
)


@dataclass
class CentreWork:
    name: str
    waiting: int = 0  # proposals waiting for this centre's assessment
    overdue: int = 0  # of which the centre's assessment is overdue


@dataclass
class CutOffWork:
    cutoff: CutOff
    is_past: bool
    time_to_access: CutOffTimeToAccess
    eligibility: int = 0
    assessment: int = 0  # proposals whose assessments are under way, none overdue
    overdue: int = 0  # proposals with an assessment overdue
    reviews: int = 0  # peer review: every assessment in, reviews still owed (or no reviewer)
    reply: int = 0  # the applicant's right of reply open, not submitted
    panel: int = 0  # in panel, or the reply in and the panel next
    decision: int = 0  # every assessment (and review) in, no decision yet
    decided: int = 0
    waitlisted: int = 0
    reviews_overdue: int = 0  # peer reviews past their deadline, not submitted
    centres: list[CentreWork] = field(default_factory=list)

    @property
    def waiting(self) -> int:
        """Proposals that wait on someone's move."""
        return (
            self.eligibility
            + self.assessment
            + self.overdue
            + self.reviews
            + self.reply
            + self.panel
            + self.decision
        )

    @property
    def listed(self) -> int:
        return self.cutoff.submitted_count


@dataclass
class CallWork:
    call: Call
    cutoffs: list[CutOffWork]

    @property
    def waiting(self) -> int:
        return sum(c.waiting for c in self.cutoffs)


def workspace_cutoffs(*, now: datetime) -> list[CutOff]:
    """The cut-offs the workspace shows: each call's next cut-off, those of the last months that
    received proposals (passed or not), and any older one where something still waits. Most
    recent first, one query."""
    next_of_call = CutOff.objects.filter(call=OuterRef("call"), at__gt=now).order_by("at")
    work_left = CutOffWaitingCount.objects.filter(
        cutoff=OuterRef("pk"), waiting_on__in=OPEN_WORK, proposal_count__gt=0
    )
    recent = Q(at__gte=now - RECENT) & (
        Q(submitted_count__gt=0) | Q(at=Subquery(next_of_call.values("at")[:1]))
    )
    return list(
        CutOff.objects.select_related("call")
        .filter(recent | Exists(work_left))
        .order_by("-at", "pk")[:MAX_CUTOFFS]
    )


def _counts(cutoff_ids: list[int]) -> tuple[dict, dict]:
    """{cut-off: {waiting on or "waitlisted": proposals}} and {cut-off: [CentreWork]}, from the
    kept counts (one query over a few rows per cut-off)."""
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    centres: dict[int, dict[str, CentreWork]] = defaultdict(dict)
    for cutoff_id, on, status, who, n in CutOffWaitingCount.objects.filter(
        cutoff_id__in=cutoff_ids, proposal_count__gt=0
    ).values_list("cutoff_id", "waiting_on", "status", "waiting_for", "proposal_count"):
        counts[cutoff_id][on] += n
        if status == ProposalStatus.WAITLISTED:
            counts[cutoff_id]["waitlisted"] += n
        for name, overdue in waiting_for_centres(who):
            centre = centres[cutoff_id].setdefault(name, CentreWork(name))
            centre.waiting += n
            centre.overdue += n if overdue else 0
    return counts, {
        cutoff_id: sorted(by_name.values(), key=lambda c: c.name)
        for cutoff_id, by_name in centres.items()
    }


def _overdue_reviews(cutoff_ids: list[int], now: datetime) -> dict[int, int]:
    """Per cut-off, the reviews past their deadline and not submitted (one query)."""
    from reviews.selectors.reviews import overdue_reviews

    rows = (
        overdue_reviews(now=now)
        .filter(proposal__cutoff_id__in=cutoff_ids)
        .values("proposal__cutoff_id")
        .annotate(n=Count("pk"))
        .values_list("proposal__cutoff_id", "n")
    )
    return dict(rows)


def officer_workspace(*, now: datetime, calendar: WorkingCalendar) -> list[CallWork]:
    """The workspace's calls, each with its cut-offs and their counters; calls with something
    waiting first, then by their latest cut-off."""
    cutoffs = workspace_cutoffs(now=now)
    ids = [c.pk for c in cutoffs]
    counts, centres = _counts(ids) if ids else ({}, {})
    clocks = cutoffs_clocks(cutoffs=cutoffs, now=now, calendar=calendar)
    late_reviews = _overdue_reviews(ids, now) if ids else {}
    calls: dict[int, CallWork] = {}
    for cutoff in cutoffs:
        n = counts.get(cutoff.pk, {})
        overdue = n.get(WaitingOn.ASSESSMENT_OVERDUE, 0)
        work = CutOffWork(
            cutoff=cutoff,
            is_past=cutoff.at <= now,
            time_to_access=clocks[cutoff.pk],
            eligibility=n.get(WaitingOn.ELIGIBILITY, 0),
            assessment=n.get(WaitingOn.ASSESSMENT, 0),
            overdue=overdue,
            reviews=n.get(WaitingOn.REVIEWS, 0),
            reply=n.get(WaitingOn.REPLY, 0),
            panel=n.get(WaitingOn.PANEL, 0),
            decision=n.get(WaitingOn.DECISION, 0),
            decided=n.get(WaitingOn.DECIDED, 0),
            waitlisted=n.get("waitlisted", 0),
            centres=centres.get(cutoff.pk, []),
            reviews_overdue=late_reviews.get(cutoff.pk, 0),
        )
        calls.setdefault(cutoff.call_id, CallWork(call=cutoff.call, cutoffs=[])).cutoffs.append(
            work
        )
    return sorted(calls.values(), key=lambda c: c.waiting == 0)
