"""What each submitted proposal waits on (`Proposal.waiting_on`, applications.models.WaitingOn).

The status says most of it: a submitted proposal waits on its eligibility check, a decided one on
nobody. Between the two, it waits on the officer's decision unless an app above applications says
otherwise through `applications.hooks.waiting_provider_register` (reviews: a technical assessment
still open, perhaps overdue). The door sets the value with the status; the services that change
what a provider answers (opening, submitting, marking overdue an assessment) call
`proposals_waiting_refresh` in their transaction. Who it waits for (`waiting_for`, a few words)
comes with it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from applications.hooks import waiting_providers
from applications.models import Proposal, ProposalStatus, WaitingOn
from applications.models.proposals import WAITING_FOR_MAX_CHARS
from applications.workflow import workflow_for_mode


def waiting_on_for_status(*, mode: str, status: str) -> str:
    """What the status alone says (DECISION for every state between eligibility and decision)."""
    if status in (ProposalStatus.DRAFT, ProposalStatus.WITHDRAWN):
        return WaitingOn.NOTHING
    if status == ProposalStatus.SUBMITTED:
        return WaitingOn.ELIGIBILITY
    try:
        phase = workflow_for_mode(mode).phase(status)
    except KeyError:  # a state its path does not know (data repaired by hand)
        return WaitingOn.NOTHING
    return WaitingOn.DECIDED if phase.is_decided else WaitingOn.DECISION


def _refined(values: dict[int, str]) -> dict[int, tuple[str, str]]:
    """(what, who) of each proposal: the providers' answers for those the status leaves at
    DECISION, the status's alone for the others."""
    refined = {pk: (value, "") for pk, value in values.items()}
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


def proposals_waiting_refresh(*, proposal_ids: Iterable[int]) -> int:
    """Write what these proposals wait on where it changed; returns how many changed. A constant
    number of queries per distinct value, whatever the number of proposals."""
    rows = list(
        Proposal.objects.filter(pk__in=list(proposal_ids)).values_list(
            "pk", "status", "call__mode", "waiting_on", "waiting_for"
        )
    )
    kept = {pk: (on, who) for pk, _, _, on, who in rows}
    values = _refined(
        {pk: waiting_on_for_status(mode=mode, status=status) for pk, status, mode, _, _ in rows}
    )
    changed: dict[tuple[str, str], list[int]] = defaultdict(list)
    for pk, value in values.items():
        if kept[pk] != value:
            changed[value].append(pk)
    for (on, who), pks in changed.items():
        # Bookkeeping columns: `update` leaves updated_at (the proposal's own edits) alone.
        Proposal.objects.filter(pk__in=pks).update(waiting_on=on, waiting_for=who)
    return sum(len(pks) for pks in changed.values())
