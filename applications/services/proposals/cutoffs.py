"""Closing passed cut-offs: unsubmitted drafts roll over to the call's next open cut-off."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from applications.models import CutOff, ProposalStatus
from applications.selectors.proposals import describe_instant
from portal.services.activity import activity_record
from portal.services.notifications import notification_enqueue

from ._common import _proposal_context, _team_recipients


@transaction.atomic
def cutoff_close(*, cutoff: CutOff) -> int:
    """Close a passed cut-off: its unsubmitted drafts move to the call's next open cut-off and
    their teams are told. Returns the number of drafts moved. Safe to run again."""
    now = timezone.now()
    cutoff = CutOff.objects.select_for_update().select_related("call").get(pk=cutoff.pk)
    if cutoff.closed_at is not None:
        return 0
    if cutoff.at > now:
        raise ValidationError(
            {"cutoff": "This cut-off has not passed yet; it closes at its deadline."},
            code="not_passed",
        )
    call = cutoff.call
    target = (
        call.cutoffs.filter(at__gt=now, closed_at__isnull=True).exclude(pk=cutoff.pk).order_by("at")
    ).first()
    drafts = list(
        cutoff.proposals.select_for_update(of=("self",))
        .filter(status=ProposalStatus.DRAFT)
        .select_related("organisation", "call", "pi")
    )
    old_deadline = describe_instant(cutoff.at, call.display_timezone)
    new_deadline = describe_instant(target.at, call.display_timezone) if target else ""
    moved = 0
    for proposal in drafts:
        if target is not None:
            proposal.cutoff = target
            proposal.save(update_fields=["cutoff", "updated_at"])
            moved += 1
            activity_record(
                actor=None,
                verb="proposal.roll_over",
                target=proposal,
                data={"from_cutoff": cutoff.pk, "to_cutoff": target.pk},
            )
        context = {
            **_proposal_context(proposal),
            "old_cutoff": old_deadline,
            "new_cutoff": new_deadline,
            "call_closed": target is None,
        }
        for user in _team_recipients(proposal):
            notification_enqueue(
                to_email=user.email,
                recipient=user,
                template="proposal_rolled_over",
                context={**context, "recipient_name": user.display_name},
                idempotency_key=f"proposal-rolled-over:{proposal.pk}:{cutoff.pk}:{user.pk}",
            )
    cutoff.closed_at = now
    cutoff.save(update_fields=["closed_at"])
    activity_record(
        actor=None,
        verb="cutoff.close",
        target=cutoff,
        data={"rolled_over": moved, "to_cutoff": target.pk if target else None},
    )
    return moved


def cutoffs_close_passed(*, now=None) -> int:
    """Close every cut-off whose deadline has passed (the periodic task runs this)."""
    now = now or timezone.now()
    total = 0
    for cutoff in CutOff.objects.filter(at__lte=now, closed_at__isnull=True).order_by("at"):
        total += cutoff_close(cutoff=cutoff)
    return total
