"""Reservations for the demo programme: hours held in the pools of cut-offs that have passed,
as the decisions on them would have held them. The demo seed calls this after it has submitted
its proposals; running it again changes nothing (every reservation has a fixed reference)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import ROUND_DOWN, Decimal

from django.utils import timezone

from portal.models import Organisation

from .models import Allocation, CapacityPool
from .pool_demand import pool_demands
from .services import pool_reserve, reservation_release

# Share of each past cut-off's pool held by decisions, pool after pool: one nearly full, one
# full, one half used, one with room left.
SHARES = (Decimal("0.35"), Decimal("0.9"), Decimal("1"), Decimal("0.5"))
HOLDERS_PER_POOL = 3


def demo_reservations_seed(
    *, holders: Sequence[Organisation], by, now: datetime | None = None
) -> list[Allocation]:
    """Hold hours of every pool whose cut-off has passed for `holders` (taken in turn, up to three
    a pool), and give one reservation of every third pool back (an award declined). `by` is the
    programme officer the demo decides as. Returns the reservations that hold hours."""
    if not holders:
        return []
    now = now or timezone.now()
    pools = {pool.pk: pool for pool in CapacityPool.objects.select_related("partition")}
    past = sorted(
        (demand.cutoff_at, pool_id)
        for pool_id, demand in pool_demands(list(pools)).items()
        if demand.cutoff_at <= now
    )
    held: list[Allocation] = []
    turn = 0
    for index, (_, pool_id) in enumerate(past):
        pool = pools[pool_id]
        share = (pool.hours * SHARES[index % len(SHARES)]).quantize(Decimal(1), ROUND_DOWN)
        parts = min(HOLDERS_PER_POOL, len(holders))
        if share < parts:
            continue
        each = share // parts
        for part in range(parts):
            holder = holders[turn % len(holders)]
            turn += 1
            reference = f"DEMO-{pool.pk}-{part + 1}"
            declined = index % 3 == 2 and part == parts - 1
            if declined:
                existing = Allocation.objects.filter(reference=reference).first()
                if existing is not None and existing.status == Allocation.Status.RELEASED:
                    continue
            allocation = pool_reserve(
                pool=pool, hours=each, holder=holder, reference=reference, by=by
            )
            if declined:
                reservation_release(reference=reference, by=by, reason="Award declined.")
            else:
                held.append(allocation)
    return held
