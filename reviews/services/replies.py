"""The officer's side of the right of reply, per cut-off: open it for the proposals whose reviews
are all in, and send proposals to the panel (without a reply on calls that have none; with it once
it is submitted or its deadline has passed).

Opening and the reply itself are applications' (applications.services.replies); this module
decides which proposals are ready, and guards the door so that neither the reply nor the panel
starts before every review owed is submitted (declined assignments owe none)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from applications.models import CutOff, Proposal, ProposalStatus
from applications.services.proposals import proposal_transition
from applications.services.replies import reply_open
from reviews.selectors.replies import cutoff_reply_page, reviews_complete

PERM = "reviews.manage_reply"
# The door's actions out of peer review that wait for every review.
REVIEWS_COMPLETE_ACTIONS = ("open_reply", "send_to_panel")


def reviews_complete_guard(*, proposal, transition, actors, by, details) -> str | None:
    """Neither the reply nor the panel before every review owed is submitted."""
    if proposal.status != ProposalStatus.IN_REVIEW:
        return None
    if not proposal.call.is_peer_reviewed or reviews_complete(proposal=proposal):
        return None
    return "Not every assigned reviewer has submitted their review yet."


def _require_officer(by) -> None:
    if by is None or not by.has_perm(PERM):
        raise PermissionDenied("Only programme officers open the right of reply.")


@dataclass
class BatchOutcome:
    done: list[Proposal] = field(default_factory=list)
    refused: list[tuple[Proposal, str]] = field(default_factory=list)


def _each(proposals, step) -> BatchOutcome:
    """Take `step` on each proposal in its own transaction: one refusal (a withdrawal meanwhile)
    does not hold back the others, and is reported."""
    outcome = BatchOutcome()
    for proposal in proposals:
        try:
            with transaction.atomic():
                step(proposal)
        except (PermissionDenied, ValidationError) as exc:
            text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            outcome.refused.append((proposal, text))
        else:
            outcome.done.append(proposal)
    return outcome


def cutoff_reply_open(*, cutoff: CutOff, by) -> BatchOutcome:
    """Open the right of reply for every proposal of the cut-off in review whose reviews are all
    in. Refused for a call without the right of reply."""
    _require_officer(by)
    if not cutoff.call.right_of_reply:
        raise ValidationError("This call has no right of reply; send the proposals to the panel.")
    ready = [row.proposal for row in cutoff_reply_page(cutoff=cutoff).ready]
    return _each(ready, lambda p: reply_open(proposal=p, by=by))


def cutoff_send_to_panel(*, cutoff: CutOff, by) -> BatchOutcome:
    """Send to the panel what may go now: on a call without the right of reply, the proposals in
    review with all their reviews in; on one with it, the proposals whose reply is submitted or
    whose deadline has passed."""
    _require_officer(by)
    page = cutoff_reply_page(cutoff=cutoff)
    rows = page.replies_in if page.right_of_reply else page.ready
    return _each(
        [row.proposal for row in rows],
        lambda p: proposal_transition(proposal=p, action="send_to_panel", by=by),
    )
