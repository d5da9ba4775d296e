"""Decision mails: written when a decision is taken, sent when a programme officer releases them.

Services that decide about a proposal (eligibility, first-come-first-served decisions, later the
panel) call `decision_mail_hold` inside their transaction. The mails wait, held, in the batch of
the proposal's cut-off; an officer reads them on the cut-off's mail page, may edit one, and
releases them (portal.services.notifications). Nothing reaches the applicants before that.

The mails' templates and the context each expects:

- `eligibility_refused`: `reason` (what the applicant must know; shown as written);
- `fcfs_decision`: `outcome` ("award", "waitlist" or "reject"); for an award `awarded`, a list
  of {"partition", "hours", "unit", "requested"} (strings, formatted) and optionally `accept_by`;
  for a rejection an optional `reason`; for any outcome `comments`, the technical assessment's
  comments to the applicant as a list of {"partition", "comment"} (never the comments to the
  panel, which stay with the staff).
- `panel_decision`: the same as `fcfs_decision`, worded for a proposal the panel ranked; a
  waitlisting or a rejection may carry `reviews`, the anonymised reviews as a list of
  {"reviewer": "Reviewer 1", "comments": [{"criterion", "comment"}]} (comments to the applicant
  only: never a reviewer's name, email or affiliation, their comment to the panel, or a note of
  the panel).
"""

from __future__ import annotations

from typing import Any

from applications.models import CutOff, Proposal
from portal.models import Notification
from portal.services.notifications import notification_hold, notifications_discard_held

from .proposals._common import _proposal_context, _team_recipients

ELIGIBILITY_REFUSED = "eligibility_refused"
FCFS_DECISION = "fcfs_decision"
PANEL_DECISION = "panel_decision"
FCFS_OUTCOMES = ("award", "waitlist", "reject")
# What each known template cannot do without; a producer that forgets one fails loudly in tests.
REQUIRED_CONTEXT = {
    ELIGIBILITY_REFUSED: ("reason",),
    FCFS_DECISION: ("outcome",),
    PANEL_DECISION: ("outcome",),
}
KEY_PREFIX = "decision-mail"
OCCASION_MAX_CHARS = 40


CUTOFF_BATCH_PREFIX = "cutoff:"


def cutoff_mail_batch(cutoff: CutOff | int) -> str:
    """The outbox batch of a cut-off's held mails: the label the portal core filters on."""
    return f"{CUTOFF_BATCH_PREFIX}{getattr(cutoff, 'pk', cutoff)}"


def _check_context(template: str, context: dict[str, Any]) -> None:
    missing = [name for name in REQUIRED_CONTEXT.get(template, ()) if not context.get(name)]
    if missing:
        raise ValueError(f"The {template} mail needs {', '.join(missing)} in its context.")
    if template in (FCFS_DECISION, PANEL_DECISION) and context["outcome"] not in FCFS_OUTCOMES:
        raise ValueError(f"Unknown outcome {context['outcome']!r}; one of {FCFS_OUTCOMES}.")


def decision_mail_hold(
    *,
    proposal: Proposal,
    template: str,
    context: dict[str, Any],
    by,
    occasion: str = "",
) -> list[Notification]:
    """Hold the mail `template` about `proposal` for its team (the PI and every member), in the
    batch of the proposal's cut-off. Called by a deciding service inside its transaction, after
    it has checked that `by` may decide.

    `context` (JSON-safe) comes on top of the proposal's own (reference, title, call,
    organisation, link) and the recipient's name. A decision replaces the proposal's decision
    mails still held: the team hears only the latest. `occasion` tells two decisions with the
    same template apart (a waitlisted proposal awarded later); holding the same template and
    occasion again holds nothing new.
    """
    _check_context(template, context)
    if ":" in template or len(occasion) > OCCASION_MAX_CHARS or ":" in occasion:
        # The parts of the key are separated by ':'; a prefix must never match another decision.
        raise ValueError(
            f"A template and an occasion ({OCCASION_MAX_CHARS} characters at most) "
            "are written without ':'."
        )
    batch = cutoff_mail_batch(proposal.cutoff_id)
    proposal_prefix = f"{KEY_PREFIX}:{proposal.pk}:"
    this_decision = f"{proposal_prefix}{template}:{occasion}:"
    # Within the batch: its index narrows the search before the key's prefix is compared.
    already = list(
        Notification.objects.filter(
            batch=batch, idempotency_key__startswith=this_decision
        ).order_by("pk")
    )
    if already:
        return already
    notifications_discard_held(batch=batch, idempotency_key_prefix=proposal_prefix, by=by)
    shared = {**_proposal_context(proposal), **context}
    about = proposal.reference or f"Proposal #{proposal.pk}"
    return [
        notification_hold(
            batch=batch,
            about=about,
            to_email=user.email,
            recipient=user,
            template=template,
            context={**shared, "recipient_name": user.display_name},
            idempotency_key=f"{this_decision}{user.pk}",
        )
        for user in _team_recipients(proposal)
    ]
