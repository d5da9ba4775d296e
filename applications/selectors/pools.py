"""Demand on the capacity pools of cut-offs, for the hosting side's pages (allocations.pool_demand).

Registered as a provider in ApplicationsConfig.ready(): allocations shows the figures without
importing this app.
"""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal

from django.db.models import Count, Sum

from allocations.pool_demand import PoolDemand
from applications.deadlines import format_deadline
from applications.models import CutOffPool, ResourceRequest
from applications.workflow import demand_statuses


def cutoff_pool_demands(pool_ids: Collection[int]) -> list[PoolDemand]:
    """For each pool set aside for a cut-off: its call, its cut-off, and the hours requested on
    its partition by the cut-off's proposals that count as demand (submitted, not withdrawn or
    ineligible). Two queries, whatever the number of pools."""
    links = list(CutOffPool.objects.filter(pool_id__in=pool_ids).select_related("cutoff__call"))
    if not links:
        return []
    totals = {
        (row["proposal__cutoff_id"], row["offered_partition_id"]): (row["hours"], row["proposals"])
        for row in ResourceRequest.objects.filter(
            proposal__cutoff_id__in={link.cutoff_id for link in links},
            offered_partition_id__in={link.offered_partition_id for link in links},
            proposal__status__in=demand_statuses(),
        )
        .values("proposal__cutoff_id", "offered_partition_id")
        .annotate(hours=Sum("hours"), proposals=Count("proposal_id", distinct=True))
        .order_by()
    }
    demands = []
    for link in links:
        cutoff, call = link.cutoff, link.cutoff.call
        hours, proposals = totals.get((link.cutoff_id, link.offered_partition_id), (0, 0))
        demands.append(
            PoolDemand(
                pool_id=link.pool_id,
                call_key=f"applications.call:{call.pk}",
                call_title=call.title,
                call_mode=call.get_mode_display(),
                cutoff_at=cutoff.at,
                cutoff_label=format_deadline(cutoff.at, call.display_timezone),
                requested_hours=Decimal(hours or 0),
                proposals=proposals,
            )
        )
    return demands
