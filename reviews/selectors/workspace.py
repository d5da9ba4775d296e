"""The programme officer's workspace: per call and cut-off, what waits on whom.

Every figure comes from a constant number of queries, whatever the number of proposals and of
cut-offs shown: the cut-offs (one query), their proposals counted by what they wait on (one
grouped query over the kept `Proposal.waiting_on`, read from its index), the open assessments
per centre (one grouped query), and the kept time-to-access counts (one query).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Q, Subquery

from applications.models import Call, CutOff, Proposal, ProposalStatus, WaitingOn
from applications.selectors.time_to_access import cutoffs_clocks
from applications.time_to_access import CutOffTimeToAccess
from applications.working_days import WorkingCalendar
from reviews.models import TechnicalAssessment

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
    WaitingOn.DECISION,
)


@dataclass(frozen=True)
class CentreWork:
    name: str
    waiting: int  # requests whose assessment is open or overdue
    overdue: int


@dataclass
class CutOffWork:
    cutoff: CutOff
    is_past: bool
    time_to_access: CutOffTimeToAccess
    eligibility: int = 0
    assessment: int = 0  # proposals with an assessment under way (overdue included)
    overdue: int = 0  # of which at least one assessment is overdue
    decision: int = 0  # every assessment in, no decision yet
    decided: int = 0
    waitlisted: int = 0
    centres: list[CentreWork] = field(default_factory=list)

    @property
    def waiting(self) -> int:
        """Proposals that wait on someone's move."""
        return self.eligibility + self.assessment + self.decision

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
    """The cut-offs the workspace shows: each call's next cut-off, the passed ones of the last
    months (or later ones that received proposals early), and any older one where something still
    waits. Most recent first, one query."""
    next_of_call = CutOff.objects.filter(call=OuterRef("call"), at__gt=now).order_by("at")
    work_left = Proposal.objects.filter(cutoff=OuterRef("pk"), waiting_on__in=OPEN_WORK)
    recent = Q(at__gte=now - RECENT) & (
        Q(at__lte=now) | Q(submitted_count__gt=0) | Q(at=Subquery(next_of_call.values("at")[:1]))
    )
    return list(
        CutOff.objects.select_related("call")
        .filter(recent | Exists(work_left))
        .order_by("-at", "pk")[:MAX_CUTOFFS]
    )


def _counts(cutoff_ids: list[int]) -> dict[int, dict[str, int]]:
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for row in (
        Proposal.objects.filter(cutoff_id__in=cutoff_ids)
        .exclude(waiting_on=WaitingOn.NOTHING)
        .values("cutoff_id", "waiting_on")
        .annotate(n=Count("pk"), waitlisted=Count("pk", filter=Q(status=ProposalStatus.WAITLISTED)))
        .order_by()
    ):
        counts[row["cutoff_id"]][row["waiting_on"]] = row["n"]
        if row["waitlisted"]:
            counts[row["cutoff_id"]]["waitlisted"] = row["waitlisted"]
    return counts


def _centres(cutoff_ids: list[int]) -> dict[int, list[CentreWork]]:
    S = TechnicalAssessment.Status
    centres: dict[int, list[CentreWork]] = defaultdict(list)
    for row in (
        TechnicalAssessment.objects.filter(
            proposal__cutoff_id__in=cutoff_ids, status__in=(S.OPEN, S.OVERDUE)
        )
        .values("proposal__cutoff_id", "centre__short_name")
        .annotate(waiting=Count("pk"), overdue=Count("pk", filter=Q(status=S.OVERDUE)))
        .order_by("proposal__cutoff_id", "centre__short_name")
    ):
        centres[row["proposal__cutoff_id"]].append(
            CentreWork(row["centre__short_name"], row["waiting"], row["overdue"])
        )
    return centres


def officer_workspace(*, now: datetime, calendar: WorkingCalendar) -> list[CallWork]:
    """The workspace's calls, each with its cut-offs and their counters; calls with something
    waiting first, then by their latest cut-off."""
    cutoffs = workspace_cutoffs(now=now)
    ids = [c.pk for c in cutoffs]
    counts = _counts(ids) if ids else {}
    centres = _centres(ids) if ids else {}
    clocks = cutoffs_clocks(cutoffs=cutoffs, now=now, calendar=calendar)
    calls: dict[int, CallWork] = {}
    for cutoff in cutoffs:
        n = counts.get(cutoff.pk, {})
        overdue = n.get(WaitingOn.ASSESSMENT_OVERDUE, 0)
        work = CutOffWork(
            cutoff=cutoff,
            is_past=cutoff.at <= now,
            time_to_access=clocks[cutoff.pk],
            eligibility=n.get(WaitingOn.ELIGIBILITY, 0),
            assessment=n.get(WaitingOn.ASSESSMENT, 0) + overdue,
            overdue=overdue,
            decision=n.get(WaitingOn.DECISION, 0),
            decided=n.get(WaitingOn.DECIDED, 0),
            waitlisted=n.get("waitlisted", 0),
            centres=centres.get(cutoff.pk, []),
        )
        calls.setdefault(cutoff.call_id, CallWork(call=cutoff.call, cutoffs=[])).cutoffs.append(
            work
        )
    return sorted(calls.values(), key=lambda c: c.waiting == 0)
