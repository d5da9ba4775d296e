"""The one door for proposal state changes: `proposal_transition` is the only code that changes a
proposal's status.

It locks the row, works out who `by` is for this proposal (applications.hooks' actor providers),
asks the call's evaluation path (applications.workflow) for the transition — the target comes from
the table, never from the caller — runs the guards other apps registered, writes the status with
the kept cut-off figures and one activity entry, queues the team's mail and sends the signals.
Services such as submit and withdraw check their own preconditions and then call it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from applications.hooks import (
    proposal_actors,
    proposal_status_changed,
    proposal_transitioned,
    transition_vetoes,
)
from applications.models import Proposal
from applications.selectors.proposals import describe_instant
from applications.workflow import Actor, Transition, workflow_for
from portal.activity_actions import action_for
from portal.services.activity import activity_record
from portal.services.notifications import notification_enqueue

from ._common import _lock, _proposal_context, _team_recipients
from .demand import proposal_counts_update
from .waiting import proposal_waiting_on, waiting_counts_move

# Fields a transition may set beside the status (the caller's `changes`); the status, the version,
# the decision time and what the proposal waits on are the door's own.
_DOOR_FIELDS = frozenset({"status", "version", "decided_at", "waiting_on", "waiting_for"})


def _actor_labels(actors) -> str:
    labels = [str(Actor(a).label).split(" (")[0].lower() for a in sorted(actors)]
    return " or ".join(labels)


def _refusal(proposal: Proposal, action: str, actors: frozenset[str]) -> Exception:
    """Why the table refuses: nobody may do this now (a ValidationError about the state), or
    others may but not `by` (PermissionDenied naming who may)."""
    workflow = workflow_for(proposal.call)
    status = proposal.get_status_display().lower()
    anyone = workflow.transition(proposal.status, action, call=proposal.call)
    if anyone is None:
        return ValidationError(
            "A proposal that is %(status)s cannot be changed that way (%(action)s).",
            code="transition",
            params={"status": status, "action": action.replace("_", " ")},
        )
    return PermissionDenied(
        f"Only the {_actor_labels(anyone.actors)} can do this (“{anyone.label}”) while the "
        f"proposal is {status}."
    )


def _acted_by(by, actors: frozenset[str]) -> str:
    """Who acted, as the team is told: a teammate by name, staff only as their office."""
    if by is not None and Actor.APPLICANT in actors:
        return by.display_name
    if by is None:
        return "The portal"
    return "The programme office"


def _json_safe(details: Mapping[str, Any]) -> dict[str, Any]:
    safe = {}
    for key, value in details.items():
        if value is None or isinstance(value, str | int | float | bool):
            safe[key] = value
        elif hasattr(value, "pk"):
            safe[key] = value.pk
        else:
            safe[key] = str(value)
    return safe


@transaction.atomic
def proposal_transition(
    *,
    proposal: Proposal,
    action: str,
    by,
    changes: Mapping[str, Any] | None = None,
    **details,
) -> Proposal:
    """Take `action` on `proposal` as `by` (None: the portal's scheduled jobs).

    `details` go to the guards, the activity entry and the team's mail (a reason, a reference);
    `changes` are other fields of the proposal the action sets with its status (the submission
    time and reference number). Refusals change nothing: PermissionDenied when `by` may not see
    the proposal or is not an actor the table allows, ValidationError when the state does not
    allow the action or a guard vetoes it.
    """
    changes = dict(changes or {})
    if _DOOR_FIELDS & changes.keys():
        raise ValueError(f"{sorted(_DOOR_FIELDS & changes.keys())} are set by the door only")
    proposal = _lock(proposal)
    actors = proposal_actors(proposal=proposal, user=by)
    if not actors:
        raise PermissionDenied("You cannot see this proposal.")
    workflow = workflow_for(proposal.call)
    transition = workflow.transition(proposal.status, action, actor=actors, call=proposal.call)
    if transition is None:
        raise _refusal(proposal, action, actors)
    vetoes = transition_vetoes(
        proposal=proposal, transition=transition, actors=actors, by=by, details=details
    )
    if vetoes:
        raise ValidationError(vetoes, code="vetoed")

    now = timezone.now()
    from_status, from_decided_at = proposal.status, proposal.decided_at
    waited = (proposal.cutoff_id, proposal.waiting_on, proposal.status, proposal.waiting_for)
    for name, value in changes.items():
        setattr(proposal, name, value)
    proposal.status = transition.target
    if workflow.phase(transition.target).is_decided and proposal.decided_at is None:
        proposal.decided_at = now
    proposal.waiting_on, proposal.waiting_for = proposal_waiting_on(proposal)
    proposal.version += 1
    if Actor.APPLICANT in actors and by is not None:
        proposal.last_edited_by = by
    proposal.save()
    proposal_counts_update(
        proposal=proposal, from_status=from_status, from_decided_at=from_decided_at
    )
    waiting_counts_move(
        before=waited,
        after=(proposal.cutoff_id, proposal.waiting_on, proposal.status, proposal.waiting_for),
    )

    data = _json_safe(details)
    activity = activity_record(
        actor=by,
        verb=f"proposal.{transition.action}",
        target=proposal,
        from_state=from_status,
        to_state=transition.target,
        data=data,
    )
    _mail_team(proposal, transition, by=by, actors=actors, at=now, data=data, key=activity.pk)

    sent = {
        "proposal": proposal,
        "transition": transition,
        "from_status": from_status,
        "by": by,
        "actors": actors,
        "details": details,
        "activity": activity,
    }
    proposal_status_changed.send(sender=Proposal, **sent)
    transaction.on_commit(lambda: proposal_transitioned.send(sender=Proposal, **sent))
    return proposal


def _mail_team(
    proposal: Proposal,
    transition: Transition,
    *,
    by,
    actors: frozenset[str],
    at,
    data: dict[str, Any],
    key: int,
) -> None:
    """The team's mail for this transition, if the table names one. Only actions meant for the
    applicant are ever mailed to them, and staff only as their office."""
    if not transition.team_mail:
        return
    if action_for(f"proposal.{transition.action}").audience != "applicant":
        raise ValueError(f"proposal.{transition.action} is not for applicants; it is never mailed")
    context = {
        **data,
        **_proposal_context(proposal),
        "acted_by": _acted_by(by, actors),
        "acted_at": describe_instant(at, proposal.call.display_timezone),
    }
    for user in _team_recipients(proposal):
        notification_enqueue(
            to_email=user.email,
            recipient=user,
            template=transition.team_mail,
            context={**context, "recipient_name": user.display_name},
            idempotency_key=f"proposal.{transition.action}:{proposal.pk}:{key}:{user.pk}",
        )
