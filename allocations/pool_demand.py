"""What a capacity pool is set aside for, and how many hours are asked of it.

The hosting side keeps pools without knowing what draws on them: the applications app sets a
pool aside for each partition a call offers at each cut-off, and only it can count the hours its
proposals request. It registers a provider here from its AppConfig.ready(); the centre pages ask
the providers, so allocations never imports the apps above it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True)
class PoolDemand:
    """One pool's purpose (a call's cut-off) and the hours requested from it so far."""

    pool_id: int
    call_key: str  # groups the pools of one call; stable and unique across providers
    call_title: str
    call_mode: str  # shown beside the title, e.g. "Fast Lane"
    cutoff_at: datetime  # UTC; orders the cut-offs and tells past from upcoming
    cutoff_label: str  # the deadline as the call announces it, e.g. "1 Dec 2026, 10:00 CET"
    requested_hours: Decimal  # in the pool's unit, by proposals that still count as demand
    proposals: int


PoolDemandProvider = Callable[[Collection[int]], Iterable[PoolDemand]]

_providers: list[PoolDemandProvider] = []


def pool_demand_provider_register(provider: PoolDemandProvider) -> None:
    """Add a provider (idempotent: registering the same function twice keeps one)."""
    if provider not in _providers:
        _providers.append(provider)


def pool_demand_provider_unregister(provider: PoolDemandProvider) -> None:
    if provider in _providers:
        _providers.remove(provider)


def pool_demands(pool_ids: Collection[int]) -> dict[int, PoolDemand]:
    """The demand on each of `pool_ids` that some provider knows of; pools no provider knows
    (a reserve for a period, say) are absent. Each provider answers for all pools at once, so
    the cost does not grow with the number of pools."""
    if not pool_ids:
        return {}
    found: dict[int, PoolDemand] = {}
    for provider in _providers:
        for demand in provider(pool_ids):
            found.setdefault(demand.pool_id, demand)
    return found
