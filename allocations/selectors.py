"""Reads of the centre catalogue and capacity. Views, other apps and the API read through here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import DecimalField, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from portal import roles

from .models import Allocation, CapacityPool, Centre, CentreMembership, Partition
from .pool_demand import PoolDemand, pool_demands

Status = Allocation.Status


def partitions_active() -> QuerySet[Partition]:
    """Partitions open to new requests, with their centre (for labels) in the same query."""
    return Partition.objects.filter(is_active=True).select_related("centre")


def centres_with_partitions() -> QuerySet[Centre]:
    """Every centre with its partitions, in two queries whatever the number of centres."""
    partitions = Partition.objects.order_by("system_name", "name")
    return Centre.objects.prefetch_related(Prefetch("partitions", queryset=partitions))


def centre_get(*, pk: int) -> Centre:
    """One centre with its partitions (raises Centre.DoesNotExist)."""
    return centres_with_partitions().get(pk=pk)


def partition_get(*, centre_pk: int, pk: int) -> Partition:
    """A partition, looked up within its centre (raises Partition.DoesNotExist)."""
    return Partition.objects.select_related("centre").get(centre_id=centre_pk, pk=pk)


def capacity_pools_of(*, centre: Centre | None = None, centres=()) -> QuerySet[CapacityPool]:
    """The pools on the partitions of `centre` (or of each of `centres`)."""
    ids = [centre.pk] if centre is not None else [c.pk for c in centres]
    return (
        CapacityPool.objects.filter(partition__centre_id__in=ids)
        .select_related("partition__centre")
        # Partition first: within a cut-off, and among the other pools, the centre page lists
        # the pools by partition.
        .order_by("partition__system_name", "partition__name", "partition_id", "-starts_on", "pk")
    )


# --- Hours held in pools ------------------------------------------------------------------------

_ZERO = Decimal(0)


@dataclass(frozen=True)
class PoolFigures:
    """What a pool holds, in its partition's unit. Every allocation but a released one counts
    against the pool: active includes suspended ones, ended is expired and closed ones."""

    capacity: Decimal
    reserved: Decimal = _ZERO
    active: Decimal = _ZERO
    ended: Decimal = _ZERO

    @property
    def held(self) -> Decimal:
        return self.reserved + self.active + self.ended

    @property
    def free(self) -> Decimal:
        """Hours that can still be reserved (never below zero, even if the pool was cut)."""
        return max(self.capacity - self.held, _ZERO)

    @property
    def over_held(self) -> Decimal:
        """Hours held beyond the pool, when its hours were lowered below what it holds."""
        return max(self.held - self.capacity, _ZERO)

    @property
    def held_percent(self) -> int | None:
        if not self.capacity:
            return None
        return round(100 * self.held / self.capacity)


def _sum_of(statuses) -> Coalesce:
    return Coalesce(
        Sum("hours", filter=Q(status__in=list(statuses))),
        Value(_ZERO),
        output_field=DecimalField(max_digits=16, decimal_places=2),
    )


def pool_figures(pools) -> dict[int, PoolFigures]:
    """Capacity, reserved, active, ended and free hours of each of `pools` (CapacityPool rows),
    by pool id. One aggregate query however many pools; none for no pools."""
    pools = list(pools)
    if not pools:
        return {}
    sums = {
        row["pool_id"]: row
        for row in Allocation.objects.filter(pool_id__in=[p.pk for p in pools])
        .exclude(status=Status.RELEASED)
        .values("pool_id")
        .annotate(
            reserved=_sum_of([Status.RESERVED]),
            active=_sum_of([Status.ACTIVE, Status.SUSPENDED]),
            ended=_sum_of([Status.EXPIRED, Status.CLOSED]),
        )
        .order_by()
    }
    figures = {}
    for pool in pools:
        row = sums.get(pool.pk)
        figures[pool.pk] = PoolFigures(
            capacity=pool.hours,
            **({k: row[k] for k in ("reserved", "active", "ended")} if row else {}),
        )
    return figures


def pool_held_hours(*, pool_id: int) -> Decimal:
    """Hours the pool holds for its allocations (the reservation service asks this with the pool
    row locked, so the answer stays true until it commits)."""
    return CapacityPool(pk=pool_id).held_hours()


def allocation_by_reference(*, reference: str) -> Allocation | None:
    return (
        Allocation.objects.select_related("pool", "partition", "holder")
        .filter(reference=reference)
        .first()
    )


def allocations_of_pools(pools) -> QuerySet[Allocation]:
    """The allocations drawing on `pools`, with their holders, largest first."""
    return (
        Allocation.objects.filter(pool__in=pools)
        .select_related("holder")
        .order_by("pool_id", "-hours", "pk")
    )


# --- Capacity by call and cut-off ---------------------------------------------------------------


@dataclass(frozen=True)
class PoolLine:
    """One pool with the hours requested from it (zero when nothing asks for it) and what it
    holds for allocations."""

    pool: CapacityPool
    requested_hours: Decimal = Decimal(0)
    proposals: int = 0
    figures: PoolFigures | None = None

    def __post_init__(self):
        if self.figures is None:
            object.__setattr__(self, "figures", PoolFigures(capacity=self.pool.hours))

    @property
    def partition(self) -> Partition:
        return self.pool.partition

    @property
    def requested_percent(self) -> int | None:
        """Requested hours as a share of the pool; None for a pool of no hours."""
        if not self.pool.hours:
            return None
        return round(100 * self.requested_hours / self.pool.hours)

    @property
    def oversubscribed(self) -> bool:
        return self.requested_hours > self.pool.hours

    @property
    def oversubscribed_factor(self) -> Decimal | None:
        """How many times the pool the requests add up to, when they exceed it."""
        if not self.oversubscribed or not self.pool.hours:
            return None
        return (self.requested_hours / self.pool.hours).quantize(Decimal("0.1"))

    @property
    def meter_max(self) -> Decimal:
        """The meter's full scale: the pool, or the requests when they exceed it (a pool of no
        hours still needs a scale)."""
        return max(self.pool.hours, self.requested_hours, Decimal(1))


@dataclass
class CutOffCapacity:
    """The pools a call set aside on the centre's partitions for one cut-off."""

    at: datetime
    label: str
    is_past: bool
    lines: list[PoolLine] = field(default_factory=list)


# Past cut-offs shown in full on the centre page; earlier ones are folded away.
RECENT_PAST_CUTOFFS = 3


@dataclass
class CallCapacity:
    """A call's pools on the centre, by cut-off: the past ones (latest first), the next one, and
    the later ones (earliest first)."""

    key: str
    title: str
    mode: str
    past: list[CutOffCapacity] = field(default_factory=list)
    upcoming: list[CutOffCapacity] = field(default_factory=list)

    @property
    def next(self) -> CutOffCapacity | None:
        return self.upcoming[0] if self.upcoming else None

    @property
    def later(self) -> list[CutOffCapacity]:
        return self.upcoming[1:]

    @property
    def recent(self) -> list[CutOffCapacity]:
        return self.past[:RECENT_PAST_CUTOFFS]

    @property
    def earlier(self) -> list[CutOffCapacity]:
        return self.past[RECENT_PAST_CUTOFFS:]


@dataclass
class CentreCapacity:
    calls: list[CallCapacity]
    other_pools: list[PoolLine]  # set aside for a period, or for nothing a provider knows

    def __bool__(self) -> bool:
        return bool(self.calls or self.other_pools)


def centre_capacity(*, centre: Centre, now: datetime | None = None) -> CentreCapacity:
    """The centre's capacity pools grouped by call and cut-off, each with the hours requested
    from it and the hours it holds (see centres_capacity)."""
    return centres_capacity(centres=[centre], now=now)[0][1]


def centres_capacity(
    *, centres, now: datetime | None = None
) -> list[tuple[Centre, CentreCapacity]]:
    """Each of `centres` with its capacity pools grouped by call and cut-off, each pool with the
    hours requested from it and the hours it holds. One query for the pools, one for what they
    hold, plus a fixed number per demand provider, however many centres, pools, cut-offs and
    requests there are."""
    now = now or timezone.now()
    centres = list(centres)
    pools = list(capacity_pools_of(centres=centres))
    demands = pool_demands([pool.pk for pool in pools])
    figures = pool_figures(pools)
    by_centre: dict[int, list[CapacityPool]] = {centre.pk: [] for centre in centres}
    for pool in pools:
        by_centre[pool.partition.centre_id].append(pool)
    return [
        (centre, _capacity_of(by_centre[centre.pk], demands, figures, now)) for centre in centres
    ]


def _capacity_of(pools, demands, figures, now) -> CentreCapacity:
    calls: dict[str, CallCapacity] = {}
    cutoffs: dict[tuple[str, datetime], CutOffCapacity] = {}
    other: list[PoolLine] = []
    for pool in pools:
        demand: PoolDemand | None = demands.get(pool.pk)
        if demand is None:
            other.append(PoolLine(pool, figures=figures[pool.pk]))
            continue
        call = calls.get(demand.call_key)
        if call is None:
            call = calls[demand.call_key] = CallCapacity(
                key=demand.call_key, title=demand.call_title, mode=demand.call_mode
            )
        key = (demand.call_key, demand.cutoff_at)
        cutoff = cutoffs.get(key)
        if cutoff is None:
            cutoff = cutoffs[key] = CutOffCapacity(
                at=demand.cutoff_at, label=demand.cutoff_label, is_past=demand.cutoff_at <= now
            )
            (call.past if cutoff.is_past else call.upcoming).append(cutoff)
        cutoff.lines.append(
            PoolLine(pool, demand.requested_hours, demand.proposals, figures[pool.pk])
        )
    for call in calls.values():
        call.past.sort(key=lambda c: c.at, reverse=True)
        call.upcoming.sort(key=lambda c: c.at)
    ordered = sorted(calls.values(), key=lambda c: (c.title.casefold(), c.key))
    return CentreCapacity(calls=ordered, other_pools=other)


def centre_roles_of(*, user, centres) -> list[tuple[Centre, list[str]]]:
    """Those of `centres` where `user` works, each with the user's roles there (read from the
    roles cached for the request: no query)."""
    labels: dict[int, list[str]] = {}
    for role in CentreMembership.Role:
        for centre_id in roles.centre_ids_with_role(user, role.value):
            labels.setdefault(centre_id, []).append(role.label.lower())
    return [(centre, labels[centre.pk]) for centre in centres if centre.pk in labels]


def centres_administered_by(*, user) -> QuerySet[Centre]:
    ids = roles.centre_ids_with_role(user, CentreMembership.Role.CENTRE_ADMINISTRATOR)
    return Centre.objects.filter(pk__in=ids)


def centre_staff(*, centre: Centre) -> QuerySet[CentreMembership]:
    return centre.memberships.select_related("user").order_by("role", "user__email")
