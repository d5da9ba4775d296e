"""Reading calls: the public catalogue, one call's page, the officer's set-up and cut-off views."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    F,
    IntegerField,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from allocations.models import Partition
from allocations.units import Unit
from applications.models import (
    Call,
    CallPartition,
    CutOff,
    CutOffDemand,
    CutOffPool,
    Proposal,
    ProposalStatus,
    ResourceRequest,
    WaitingOn,
)
from applications.selectors.proposals import read_by_programme_office
from applications.time_to_access import AccessClock, access_clock
from applications.workflow import demand_statuses, workflow_for_mode
from applications.working_days import WorkingCalendar

HOURS = DecimalField(max_digits=16, decimal_places=2)


def _offered_partitions_prefetch() -> Prefetch:
    return Prefetch(
        "offered_partitions",
        queryset=CallPartition.objects.select_related("partition__centre"),
    )


def calls_published() -> QuerySet[Call]:
    """Every published call, open or not (the API catalogue)."""
    return Call.objects.filter(is_published=True)


def calls_open(*, now: datetime | None = None) -> QuerySet[Call]:
    """Published calls open now, with their next cut-off and offered systems, soonest first."""
    now = now or timezone.now()
    return (
        calls_published()
        .filter(opens_at__lte=now, closes_at__gt=now)
        .annotate(next_cutoff_at=Min("cutoffs__at", filter=Q(cutoffs__at__gt=now)))
        .prefetch_related(_offered_partitions_prefetch())
        .order_by(F("next_cutoff_at").asc(nulls_last=True), "title")
    )


def call_for_page(*, slug: str) -> Call | None:
    """One call (published or not: the caller applies the view rule) with what its page shows."""
    return (
        Call.objects.filter(slug=slug)
        .prefetch_related(_offered_partitions_prefetch(), "criteria", "cutoffs")
        .first()
    )


def cutoff_next(*, call: Call, now: datetime | None = None) -> CutOff | None:
    """The first cut-off still ahead (uses the prefetched cut-offs when there are some)."""
    now = now or timezone.now()
    return next((c for c in call.cutoffs.all() if c.at > now), None)


def cutoffs_upcoming(*, call: Call, now: datetime | None = None) -> list[CutOff]:
    now = now or timezone.now()
    return [c for c in call.cutoffs.all() if c.at > now]


# --- Officer views ------------------------------------------------------------------------------


def calls_for_officer(*, now: datetime | None = None) -> QuerySet[Call]:
    now = now or timezone.now()
    submitted = (
        Proposal.objects.filter(call=OuterRef("pk"))
        .filter(read_by_programme_office())
        .values("call")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Call.objects.annotate(
            next_cutoff_at=Min("cutoffs__at", filter=Q(cutoffs__at__gt=now)),
            cutoff_count=Count("cutoffs", distinct=True),
            submitted_count=Coalesce(Subquery(submitted, output_field=IntegerField()), Value(0)),
        )
        .prefetch_related(_offered_partitions_prefetch())
        .order_by("-opens_at", "title")
    )


@dataclass
class PoolCell:
    cutoff: CutOff
    offered: CallPartition
    hours: Decimal | None  # None: no pool yet

    @property
    def field_name(self) -> str:
        return f"pool_{self.cutoff.pk}_{self.offered.pk}"


@dataclass
class CallSetup:
    call: Call
    cutoffs: list[CutOff]
    offered: list[CallPartition]
    rows: list[tuple[CutOff, list[PoolCell]]]
    criteria: list


def call_setup(*, call: Call) -> CallSetup:
    """What the officer's set-up page shows: cut-offs x offered partitions, with pool hours."""
    cutoffs = list(
        call.cutoffs.annotate(
            proposal_count=Count(
                "proposals",
                filter=Q(proposals__in=Proposal.objects.filter(read_by_programme_office())),
            )
        )
    )
    offered = list(call.offered_partitions.select_related("partition__centre"))
    hours = dict(
        ((link.cutoff_id, link.offered_partition_id), link.pool.hours)
        for link in CutOffPool.objects.filter(cutoff__call=call).select_related("pool")
    )
    rows = [(c, [PoolCell(c, o, hours.get((c.pk, o.pk))) for o in offered]) for c in cutoffs]
    return CallSetup(
        call=call, cutoffs=cutoffs, offered=offered, rows=rows, criteria=list(call.criteria.all())
    )


def partitions_offerable(*, call: Call) -> QuerySet[Partition]:
    """Catalogue partitions in service that the call does not offer yet."""
    return (
        Partition.objects.filter(is_active=True)
        .exclude(pk__in=call.offered_partitions.values("partition_id"))
        .select_related("centre")
    )


def cutoff_for_officer(*, pk: int) -> CutOff | None:
    return CutOff.objects.select_related("call").filter(pk=pk).first()


def proposals_submitted(*, cutoff: CutOff | None = None) -> QuerySet[Proposal]:
    """Submitted proposals (never drafts), in submission order: the officer's list, before its
    filters. Rows are read for one page at a time with `submitted_rows`."""
    qs = Proposal.objects.filter(read_by_programme_office())
    if cutoff is not None:
        qs = qs.filter(cutoff=cutoff)
    return qs.order_by("submitted_at", "pk")


# What one row of the officer's list shows, read as plain values (no model instances).
ROW_FIELDS = (
    "pk",
    "reference",
    "title",
    "acronym",
    "status",
    "submitted_at",
    "decided_at",
    "cutoff__at",
    "call__title",
    "call__mode",
    "call__days_to_access",
    "organisation__legal_name",
    "organisation__country",
    "waiting_on",
    "waiting_for",
)


@dataclass(frozen=True)
class SubmittedRow:
    pk: int
    reference: str
    title: str
    acronym: str
    status: str
    status_label: str
    submitted_at: datetime | None
    call_title: str
    organisation: str
    country: str
    # (hours, unit label, partition) of each resource request, in partition order.
    requests: tuple[tuple[Decimal, str, str], ...]
    clock: AccessClock | None = None  # time to access; None when withdrawn
    waiting_on: str = WaitingOn.NOTHING
    waiting_for: str = ""  # the centres still assessing, overdue ones marked


def submitted_row_values(proposals: QuerySet[Proposal]) -> QuerySet:
    """The list's (filtered) proposals as the values a row shows, ready to be paginated."""
    return proposals.values(*ROW_FIELDS)


def _staff_label(mode: str, status: str) -> str:
    try:
        return workflow_for_mode(mode).phase(status).staff_label
    except KeyError:  # a state its path does not know (data repaired by hand): plain label
        return ProposalStatus(status).label if status in ProposalStatus.values else status


def submitted_rows(
    values,
    *,
    calendar: WorkingCalendar,
    now: datetime | None = None,
    with_requests: bool = True,
) -> list[SubmittedRow]:
    """Rows of one page of the officer's list from `submitted_row_values`, with their requests
    read in one more query (unless `with_requests` is off: the API's slim rows) and their
    time-to-access clocks worked out from the values read."""
    values = list(values)
    now = now or timezone.now()
    requests: dict[int, list[tuple[Decimal, str, str]]] = defaultdict(list)
    ids = [v["pk"] for v in values] if with_requests else []
    for proposal_id, hours, unit, system, name in (
        ResourceRequest.objects.filter(proposal_id__in=ids)
        .order_by("proposal_id", "offered_partition__partition__system_name", "pk")
        .values_list(
            "proposal_id",
            "hours",
            "offered_partition__partition__unit",
            "offered_partition__partition__system_name",
            "offered_partition__partition__name",
        )
    ):
        requests[proposal_id].append((hours, Unit(unit).label, f"{system} {name}"))
    return [
        SubmittedRow(
            pk=v["pk"],
            reference=v["reference"] or "",
            title=v["title"],
            acronym=v["acronym"],
            status=v["status"],
            status_label=_staff_label(v["call__mode"], v["status"]),
            submitted_at=v["submitted_at"],
            call_title=v["call__title"],
            organisation=v["organisation__legal_name"],
            country=v["organisation__country"],
            requests=tuple(requests.get(v["pk"], ())),
            waiting_on=v["waiting_on"],
            waiting_for=v["waiting_for"],
            clock=access_clock(
                mode=v["call__mode"],
                promised=v["call__days_to_access"],
                status=v["status"],
                submitted_at=v["submitted_at"],
                cutoff_at=v["cutoff__at"],
                decided_at=v["decided_at"],
                now=now,
                calendar=calendar,
            ),
        )
        for v in values
    ]


# The officer's filters by what proposals wait on (page and API): name -> (label, kept value).
# One value each, disjoint: a filtered page is read in order from the index on (cut-off,
# waiting_on, submitted_at, id) and stops after its rows (two values would sort every match).
WAITING_FILTERS: dict[str, tuple[str, str]] = {
    "eligibility": ("Eligibility check", WaitingOn.ELIGIBILITY),
    "assessment": ("Technical assessment, on time", WaitingOn.ASSESSMENT),
    "overdue": ("Technical assessment, overdue", WaitingOn.ASSESSMENT_OVERDUE),
    "reviews": ("Peer review", WaitingOn.REVIEWS),
    "reply": ("Right of reply", WaitingOn.REPLY),
    "panel": ("Panel ranking", WaitingOn.PANEL),
    "decision": ("Decision", WaitingOn.DECISION),
    "decided": ("Decided", WaitingOn.DECIDED),
}
WAITING_FILTER_CHOICES = [(name, label) for name, (label, _) in WAITING_FILTERS.items()]


def proposals_waiting_on(proposals: QuerySet[Proposal], name: str) -> QuerySet[Proposal]:
    """`proposals` that wait on `name` (a key of WAITING_FILTERS; an unknown one filters nothing
    out: forms and serializers check the value first)."""
    if name not in WAITING_FILTERS:
        return proposals
    return proposals.filter(waiting_on=WAITING_FILTERS[name][1])


def proposals_submitted_count(*, cutoff: CutOff | None = None) -> int:
    """How many proposals the officer's list holds, from the kept figures (CutOff.submitted_count)
    rather than by counting the proposals."""
    if cutoff is not None:
        return cutoff.submitted_count
    return CutOff.objects.aggregate(n=Coalesce(Sum("submitted_count"), Value(0)))["n"]


def cutoff_demand(*, cutoff: CutOff) -> QuerySet[CallPartition]:
    """Per offered partition of the cut-off's call: hours requested by submitted proposals (not
    withdrawn or ineligible), how many proposals ask for it, and the pool's hours. Read from the
    kept figures (CutOffDemand), one query whatever the number of proposals."""
    kept = CutOffDemand.objects.filter(offered_partition=OuterRef("pk"), cutoff=cutoff)
    pool_hours = CutOffPool.objects.filter(offered_partition=OuterRef("pk"), cutoff=cutoff).values(
        "pool__hours"
    )[:1]
    return (
        CallPartition.objects.filter(call_id=cutoff.call_id)
        .select_related("partition__centre")
        .annotate(
            requested_hours=Coalesce(
                Subquery(kept.values("requested_hours")[:1], output_field=HOURS),
                Value(Decimal(0)),
                output_field=HOURS,
            ),
            proposal_count=Coalesce(
                Subquery(kept.values("proposal_count")[:1], output_field=IntegerField()),
                Value(0),
            ),
            pool_hours=Subquery(pool_hours, output_field=HOURS),
        )
    )


def cutoff_counts_aggregate(*, cutoff: CutOff) -> tuple[int, dict[int, tuple[Decimal, int]]]:
    """The cut-off's figures computed afresh from every proposal and request: the number of
    proposals the officer's list shows, and {offered partition id: (hours, proposals)} of the
    demand. Reads every row: for rebuilding and checking the kept figures, not for pages."""
    submitted = Proposal.objects.filter(read_by_programme_office(), cutoff=cutoff).count()
    rows = (
        ResourceRequest.objects.filter(
            proposal__cutoff=cutoff, proposal__status__in=demand_statuses()
        )
        .values("offered_partition_id")
        # One request per partition per proposal (a constraint), so requests = proposals.
        .annotate(hours=Sum("hours"), count=Count("pk"))
        .order_by()
    )
    return submitted, {row["offered_partition_id"]: (row["hours"], row["count"]) for row in rows}


def partitions_in_calls(*, call: Call | None = None) -> QuerySet[Partition]:
    """Partitions offered in a call (or in any call), for the officer's filter."""
    qs = Partition.objects.select_related("centre")
    if call is not None:
        return qs.filter(calls=call)
    return qs.filter(calls__isnull=False).distinct()
