"""Reads of the centre catalogue and capacity. Views, other apps and the API read through here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from portal import roles

from .models import CapacityPool, Centre, CentreMembership, Partition
from .pool_demand import PoolDemand, pool_demands


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


def capacity_pools_of(*, centre: Centre) -> QuerySet[CapacityPool]:
    return (
        CapacityPool.objects.filter(partition__centre=centre)
        .select_related("partition__centre")
        # Partition first: within a cut-off, and among the other pools, the centre page lists
        # the pools by partition.
        .order_by("partition__system_name", "partition__name", "partition_id", "-starts_on", "pk")
    )


@dataclass(frozen=True)
class PoolLine:
    """One pool with the hours requested from it (zero when nothing asks for it)."""

    pool: CapacityPool
    requested_hours: Decimal = Decimal(0)
    proposals: int = 0

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
    from it. One query for the pools plus a fixed number per demand provider, however many
    pools, cut-offs and requests there are."""
    now = now or timezone.now()
    pools = list(capacity_pools_of(centre=centre))
    demands = pool_demands([pool.pk for pool in pools])
    calls: dict[str, CallCapacity] = {}
    cutoffs: dict[tuple[str, datetime], CutOffCapacity] = {}
    other: list[PoolLine] = []
    for pool in pools:
        demand: PoolDemand | None = demands.get(pool.pk)
        if demand is None:
            other.append(PoolLine(pool))
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
        cutoff.lines.append(PoolLine(pool, demand.requested_hours, demand.proposals))
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
