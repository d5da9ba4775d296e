"""The kept figures of a cut-off: proposals submitted at it, and the hours requested per offered
partition by the proposals that count as demand.

The officer's cut-off view reads these rows instead of aggregating every request of the cut-off
on each view. Every service that changes a proposal's status calls `proposal_counts_update` in
the same transaction, after its write; the rows are changed with `F()` updates, which take the
row lock until commit, so concurrent submissions add up. Resource requests change only on drafts,
which count for nothing, so request edits need no bookkeeping.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F

from applications.models import (
    CutOff,
    CutOffClockCount,
    CutOffDemand,
    CutOffWaitingCount,
    Proposal,
    ProposalStatus,
)
from applications.time_to_access import WITHOUT_CLOCK, decided_statuses
from applications.workflow import demand_statuses

from .waiting import waiting_counts_add

_UNCHANGED = object()


def _listed(status: str, submitted_at) -> bool:
    """Listed for the programme office (the same test as selectors.read_by_programme_office)."""
    if status == ProposalStatus.DRAFT:
        return False
    return not (status == ProposalStatus.WITHDRAWN and submitted_at is None)


def _demand_add(proposal: Proposal, sign: int) -> None:
    requests = sorted(proposal.requests.values_list("offered_partition_id", "hours"))
    if not requests:
        return
    # Rows are created on first use; a concurrent creation is no conflict (ON CONFLICT DO
    # NOTHING), then every row is updated in partition order so that two transactions never wait
    # for each other's rows in opposite orders.
    CutOffDemand.objects.bulk_create(
        [CutOffDemand(cutoff_id=proposal.cutoff_id, offered_partition_id=op) for op, _ in requests],
        ignore_conflicts=True,
    )
    for offered_partition_id, hours in requests:
        CutOffDemand.objects.filter(
            cutoff_id=proposal.cutoff_id, offered_partition_id=offered_partition_id
        ).update(
            requested_hours=F("requested_hours") + sign * hours,
            proposal_count=F("proposal_count") + sign,
        )


def _day(at: datetime | None):
    if at is None:
        return None
    return at.astimezone(zoneinfo.ZoneInfo(settings.PORTAL_PROGRAMME_TIME_ZONE)).date()


def clock_key(*, mode: str, status: str, submitted_at, decided_at) -> tuple | None:
    """The clock a proposal shares with others on its cut-off's figures (submission day, decision
    day, decided), or None when it has no clock (a draft, a withdrawn proposal)."""
    if status in WITHOUT_CLOCK or submitted_at is None:
        return None
    return (_day(submitted_at), _day(decided_at), status in decided_statuses(mode))


def clock_counts_add(*, cutoff_id: int, key: tuple, sign: int) -> None:
    submitted_on, decided_on, decided = key
    text = (
        f"{submitted_on.isoformat()}|{decided_on.isoformat() if decided_on else '-'}|{int(decided)}"
    )
    CutOffClockCount.objects.bulk_create(
        [
            CutOffClockCount(
                cutoff_id=cutoff_id,
                key=text,
                submitted_on=submitted_on,
                decided_on=decided_on,
                decided=decided,
            )
        ],
        ignore_conflicts=True,
    )
    CutOffClockCount.objects.filter(cutoff_id=cutoff_id, key=text).update(
        proposal_count=F("proposal_count") + sign
    )


def proposal_counts_update(
    *, proposal: Proposal, from_status: str, from_decided_at=_UNCHANGED
) -> None:
    """Bring the kept figures of `proposal`'s cut-off in step with its move from `from_status` to
    its current status (and from `from_decided_at`, when the move set the decision time). Call it
    in the transaction that changed the status, after the write."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("proposal_counts_update must run inside the status change's transaction")
    if not _listed(from_status, proposal.submitted_at) and _listed(
        proposal.status, proposal.submitted_at
    ):
        CutOff.objects.filter(pk=proposal.cutoff_id).update(
            submitted_count=F("submitted_count") + 1
        )
    counted = demand_statuses()
    was, now = from_status in counted, proposal.status in counted
    if was != now:
        _demand_add(proposal, 1 if now else -1)
    if from_decided_at is _UNCHANGED:
        from_decided_at = proposal.decided_at
    mode = proposal.call.mode
    before = clock_key(
        mode=mode,
        status=from_status,
        submitted_at=proposal.submitted_at,
        decided_at=from_decided_at,
    )
    after = clock_key(
        mode=mode,
        status=proposal.status,
        submitted_at=proposal.submitted_at,
        decided_at=proposal.decided_at,
    )
    if before != after:
        # In key order, so that two transactions never wait for each other's rows crosswise.
        for key, sign in sorted(
            [(k, s) for k, s in ((before, -1), (after, 1)) if k is not None], key=lambda e: str(e)
        ):
            clock_counts_add(cutoff_id=proposal.cutoff_id, key=key, sign=sign)


@transaction.atomic
def cutoff_counts_rebuild(*, cutoff: CutOff | None = None) -> int:
    """Recompute the kept figures of one cut-off (or of all) from the proposals and requests, for
    data written in bulk (the bench, imports) or repaired by hand. Returns the cut-offs done."""
    from applications.selectors.calls import cutoff_counts_aggregate

    cutoffs = CutOff.objects.select_for_update()
    if cutoff is not None:
        cutoffs = cutoffs.filter(pk=cutoff.pk)
    done = 0
    for each in cutoffs.order_by("pk"):
        submitted, demand = cutoff_counts_aggregate(cutoff=each)
        CutOff.objects.filter(pk=each.pk).update(submitted_count=submitted)
        CutOffClockCount.objects.filter(cutoff=each).delete()
        clocks: dict[tuple, int] = {}
        for status, submitted_at, decided_at in Proposal.objects.filter(cutoff=each).values_list(
            "status", "submitted_at", "decided_at"
        ):
            key = clock_key(
                mode=each.call.mode, status=status, submitted_at=submitted_at, decided_at=decided_at
            )
            if key is not None:
                clocks[key] = clocks.get(key, 0) + 1
        for key, count in sorted(clocks.items(), key=lambda e: str(e[0])):
            clock_counts_add(cutoff_id=each.pk, key=key, sign=count)
        CutOffWaitingCount.objects.filter(cutoff=each).delete()
        waiting = (
            Proposal.objects.filter(cutoff=each)
            .values_list("waiting_on", "status", "waiting_for")
            .annotate(n=Count("pk"))
            .order_by()
        )
        waiting_counts_add({(each.pk, on, status, who): n for on, status, who, n in waiting})
        CutOffDemand.objects.filter(cutoff=each).delete()
        CutOffDemand.objects.bulk_create(
            CutOffDemand(
                cutoff=each,
                offered_partition_id=offered_partition_id,
                requested_hours=hours,
                proposal_count=count,
            )
            for offered_partition_id, (hours, count) in sorted(demand.items())
        )
        done += 1
    return done
