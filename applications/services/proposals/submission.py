"""Submit a proposal (numbered by its cut-off) and withdraw it before a decision."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from applications.models import PdfStatus, Proposal, ProposalStatus, ReferenceCounter
from applications.selectors.proposals import describe_instant, proposal_submission_problems
from applications.workflow import Actor, workflow_for
from portal.services.activity import activity_record
from portal.services.notifications import notification_enqueue
from portal.validators import model_field_errors

from ._common import (
    _is_member,
    _lock,
    _proposal_context,
    _queue_pdf,
    _require_view,
    _team_recipients,
    pdf_requeue_at,
)
from .demand import proposal_counts_update


def _check_transition(proposal: Proposal, action: str) -> None:
    """Ask the call's evaluation path (applications.workflow) whether the applicant may act."""
    allowed = workflow_for(proposal.call).transition(
        proposal.status, action, actor=Actor.APPLICANT, call=proposal.call
    )
    if allowed is None:
        raise ValidationError(
            "A proposal that is %(status)s cannot be changed that way.",
            code="transition",
            params={"status": proposal.get_status_display().lower()},
        )


def reference_prefix(*, proposal: Proposal) -> str:
    """AIF-<mode code>-<year>-<month> of the cut-off, as announced in the call's time zone."""
    import zoneinfo

    local = proposal.cutoff.at.astimezone(zoneinfo.ZoneInfo(proposal.call.display_timezone))
    return f"AIF-{proposal.call.mode_code}-{local:%Y}-{local:%m}"


def _next_reference(prefix: str) -> str:
    """The next number for a prefix; the counter row is locked until the submission commits."""
    ReferenceCounter.objects.get_or_create(prefix=prefix)
    counter = ReferenceCounter.objects.select_for_update().get(prefix=prefix)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{prefix}-{counter.last:04d}"


@transaction.atomic
def proposal_submit(*, proposal: Proposal, by) -> Proposal:
    """Submit a complete draft before its cut-off: lock it, number it, then render and mail it.

    Server time decides, with no grace: at or after the cut-off the submission is refused.
    The PDF and the receipt follow after commit; their failure never undoes the submission.
    """
    _require_view(proposal, by)
    proposal = _lock(proposal)
    if not by.has_perm("applications.submit_proposal", proposal):
        if not _is_member(by, proposal.organisation_id):
            raise PermissionDenied("Only members of the applying organisation can submit.")
        raise ValidationError(
            "This proposal is %(status)s; only drafts can be submitted.",
            code="not_draft",
            params={"status": proposal.get_status_display().lower()},
        )
    now = timezone.now()
    problems = proposal_submission_problems(proposal=proposal, now=now)
    if problems:
        raise ValidationError(problems)
    _check_transition(proposal, "submit")
    proposal.reference = _next_reference(reference_prefix(proposal=proposal))
    proposal.status = ProposalStatus.SUBMITTED
    proposal.submitted_at = now
    proposal.pdf_status = PdfStatus.PENDING
    proposal.pdf_attempts = 0
    proposal.pdf_error = ""
    proposal.pdf_next_attempt_at = pdf_requeue_at(now)
    proposal.version += 1
    proposal.last_edited_by = by
    proposal.save()
    proposal_counts_update(proposal=proposal, from_status=ProposalStatus.DRAFT)
    activity_record(
        actor=by,
        verb="submitted proposal",
        target=proposal,
        from_state=ProposalStatus.DRAFT,
        to_state=ProposalStatus.SUBMITTED,
        data={"reference": proposal.reference, "cutoff": proposal.cutoff_id},
    )
    proposal_id = proposal.pk
    transaction.on_commit(lambda: _queue_pdf(proposal_id))
    return proposal


@transaction.atomic
def proposal_withdraw(*, proposal: Proposal, by, reason: str) -> Proposal:
    """Withdraw a proposal before a decision, with a reason; the team is told."""
    _require_view(proposal, by)
    proposal = _lock(proposal)
    if not by.has_perm("applications.withdraw_proposal", proposal):
        if not _is_member(by, proposal.organisation_id):
            raise PermissionDenied("Only members of the applying organisation can withdraw it.")
        raise ValidationError(
            "This proposal is %(status)s; it can only be withdrawn before a decision.",
            code="decided",
            params={"status": proposal.get_status_display().lower()},
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": "Say briefly why you withdraw the proposal (the programme office reads it)."}
        )
    too_long = model_field_errors(Proposal, {"withdrawal_reason": reason})
    if too_long:
        raise ValidationError({"reason": too_long["withdrawal_reason"]})
    _check_transition(proposal, "withdraw")
    from_state = proposal.status
    proposal.status = ProposalStatus.WITHDRAWN
    proposal.withdrawn_at = timezone.now()
    proposal.withdrawal_reason = reason
    proposal.version += 1
    proposal.last_edited_by = by
    proposal.save()
    proposal_counts_update(proposal=proposal, from_status=from_state)
    activity_record(
        actor=by,
        verb="withdrew proposal",
        target=proposal,
        from_state=from_state,
        to_state=ProposalStatus.WITHDRAWN,
        data={"reason": reason},
    )
    context = {
        **_proposal_context(proposal),
        "withdrawn_by": by.display_name,
        "reason": reason,
        "withdrawn_at": describe_instant(proposal.withdrawn_at, proposal.call.display_timezone),
    }
    for user in _team_recipients(proposal):
        notification_enqueue(
            to_email=user.email,
            recipient=user,
            template="proposal_withdrawn",
            context={**context, "recipient_name": user.display_name},
            idempotency_key=f"proposal-withdrawn:{proposal.pk}:{user.pk}",
        )
    return proposal
