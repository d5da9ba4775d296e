"""What each submitted proposal waits on (`Proposal.waiting_on`, applications.models.WaitingOn).

The status says most of it: a submitted proposal waits on its eligibility check, one in its right
of reply on the applicant's reply, one in panel on the panel, a decided one on nobody. Between
eligibility and decision, it waits on the officer's decision unless an app above applications says
otherwise through `applications.hooks.waiting_provider_register` (reviews: its peer reviews, or a
technical assessment still open, perhaps overdue; a later provider's answer wins). The reply is
this app's: due by its deadline until submitted, then the proposal waits on the panel. The door
sets the value with the status; the services that change what a provider answers (assessments,
assignments, reviews, the reply) call `proposals_waiting_refresh` in their transaction. Who it
waits for (`waiting_for`, a few words) comes with it.
"""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import F

from applications.hooks import waiting_providers
from applications.models import (
    CutOffWaitingCount,
    Proposal,
    ProposalReply,
    ProposalStatus,
    WaitingOn,
)
from applications.models.proposals import WAITING_FOR_MAX_CHARS
from applications.workflow import workflow_for_mode


def waiting_on_for_status(*, mode: str, status: str) -> str:
    """What the status alone says (DECISION for the other states between eligibility and
    decision)."""
    if status in (ProposalStatus.DRAFT, ProposalStatus.WITHDRAWN):
        return WaitingOn.NOTHING
    if status == ProposalStatus.SUBMITTED:
        return WaitingOn.ELIGIBILITY
    if status == ProposalStatus.IN_REPLY:
        return WaitingOn.REPLY
    if status == ProposalStatus.IN_PANEL:
        return WaitingOn.PANEL
    try:
        phase = workflow_for_mode(mode).phase(status)
    except KeyError:  # a state its path does not know (data repaired by hand)
        return WaitingOn.NOTHING
    return WaitingOn.DECIDED if phase.is_decided else WaitingOn.DECISION


def reply_waiting_for(deadline, tz_name: str) -> str:
    """`waiting_for` of a proposal in its right of reply: "reply due 14 Dec 2026" (the day in
    the call's zone, the deadline being the end of that working day)."""
    local = deadline.astimezone(zoneinfo.ZoneInfo(tz_name or settings.TIME_ZONE))
    return f"reply due {local.day} {local:%b %Y}"


# A proposal whose reply is submitted no longer waits on the applicant but on the panel (the
# officer sends it there, or the portal at the deadline).
REPLY_IN = "reply in"


def _reply_refine(proposal_ids: list[int]) -> dict[int, tuple[str, str]]:
    """Of these proposals in their right of reply, (REPLY, "reply due ...") until the reply is
    submitted, then (PANEL, "reply in"). One query; a proposal whose reply is not opened yet
    (inside the door, before `reply_open` creates it) keeps REPLY without a date."""
    refined = {}
    for pk, deadline, status, tz_name in ProposalReply.objects.filter(
        proposal_id__in=proposal_ids
    ).values_list("proposal_id", "deadline", "status", "proposal__call__display_timezone"):
        if status == ProposalReply.Status.SUBMITTED:
            refined[pk] = (WaitingOn.PANEL, REPLY_IN)
        else:
            refined[pk] = (WaitingOn.REPLY, reply_waiting_for(deadline, tz_name))
    return refined


def _refined(values: dict[int, str]) -> dict[int, tuple[str, str]]:
    """(what, who) of each proposal: the providers' answers for those the status leaves at
    DECISION, the reply's for those in their right of reply, the status's alone for the
    others."""
    refined = {pk: (value, "") for pk, value in values.items()}
    in_reply = [pk for pk, value in values.items() if value == WaitingOn.REPLY]
    if in_reply:
        refined.update(_reply_refine(in_reply))
    in_evaluation = [pk for pk, value in values.items() if value == WaitingOn.DECISION]
    if in_evaluation:
        for provider in waiting_providers():
            for pk, (value, who) in provider.refine(in_evaluation).items():
                if pk in refined:
                    refined[pk] = (value, who[:WAITING_FOR_MAX_CHARS])
    return refined


def proposal_waiting_on(proposal: Proposal) -> tuple[str, str]:
    """What one proposal waits on now, and who for (its status as held in memory, e.g. inside
    the door)."""
    value = waiting_on_for_status(mode=proposal.call.mode, status=proposal.status)
    return _refined({proposal.pk: value})[proposal.pk]


# A row of CutOffWaitingCount: (cut-off id, waiting on, status, waiting for).
CountKey = tuple[int, str, str, str]


def waiting_counts_add(changes: dict[CountKey, int]) -> None:
    """Add {CountKey: n} (n may be negative) to the kept counts, creating rows on first use.
    Rows are updated in key order, so that two transactions never wait for each other's rows
    crosswise. Keys of proposals that wait on nothing are not counted."""
    keys = sorted(key for key, n in changes.items() if n and key[1] != WaitingOn.NOTHING)
    if not keys:
        return
    CutOffWaitingCount.objects.bulk_create(
        [
            CutOffWaitingCount(cutoff_id=c, waiting_on=o, status=s, waiting_for=w)
            for c, o, s, w in keys
        ],
        ignore_conflicts=True,
    )
    for cutoff_id, on, status, who in keys:
        CutOffWaitingCount.objects.filter(
            cutoff_id=cutoff_id, waiting_on=on, status=status, waiting_for=who
        ).update(proposal_count=F("proposal_count") + changes[(cutoff_id, on, status, who)])


def waiting_counts_move(*, before: CountKey, after: CountKey) -> None:
    """One proposal's move from one kept count to another (the door's)."""
    if before != after:
        waiting_counts_add({before: -1, after: 1})


@transaction.atomic
def proposals_waiting_refresh(*, proposal_ids: Iterable[int]) -> int:
    """Write what these proposals wait on where it changed, with the cut-offs' kept counts;
    returns how many changed. The proposals are locked first (in id order, as the door locks
    one), so two assessments submitted at once for one proposal are refreshed one after the
    other and the second sees the first. A constant number of queries per distinct value,
    whatever the number of proposals."""
    rows = list(
        Proposal.objects.select_for_update(of=("self",))
        .filter(pk__in=list(proposal_ids))
        .order_by("pk")
        .values_list("pk", "cutoff_id", "status", "call__mode", "waiting_on", "waiting_for")
    )
    kept = {pk: (on, who) for pk, _, _, _, on, who in rows}
    values = _refined(
        {pk: waiting_on_for_status(mode=mode, status=status) for pk, _, status, mode, _, _ in rows}
    )
    changed: dict[tuple[str, str], list[int]] = defaultdict(list)
    counts: dict[CountKey, int] = defaultdict(int)
    for pk, cutoff_id, status, _, on, who in rows:
        if kept[pk] != values[pk]:
            new_on, new_who = values[pk]
            changed[(new_on, new_who)].append(pk)
            counts[(cutoff_id, on, status, who)] -= 1
            counts[(cutoff_id, new_on, status, new_who)] += 1
    for (on, who), pks in changed.items():
        # Bookkeeping columns: `update` leaves updated_at (the proposal's own edits) alone.
        Proposal.objects.filter(pk__in=pks).update(waiting_on=on, waiting_for=who)
    waiting_counts_add(counts)
    return sum(len(pks) for pks in changed.values())
