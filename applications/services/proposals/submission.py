"""Submit a proposal (numbered by its cut-off) and withdraw it before a decision: each checks
what is its own to check, then changes the status through the one door (transitions.py)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from applications.models import PdfStatus, Proposal, ReferenceCounter
from applications.selectors.proposals import proposal_submission_problems
from portal.validators import model_field_errors

from ._common import _is_member, _lock, _queue_pdf, _require_view, pdf_requeue_at
from .transitions import proposal_transition


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
    The status changes through the one door (proposal_transition); the PDF and the receipt
    follow after commit, and their failure never undoes the submission.
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
    reference = _next_reference(reference_prefix(proposal=proposal))
    proposal = proposal_transition(
        proposal=proposal,
        action="submit",
        by=by,
        changes={
            "reference": reference,
            "submitted_at": now,
            "pdf_status": PdfStatus.PENDING,
            "pdf_attempts": 0,
            "pdf_error": "",
            "pdf_next_attempt_at": pdf_requeue_at(now),
        },
        reference=reference,
        cutoff=proposal.cutoff_id,
    )
    proposal_id = proposal.pk
    transaction.on_commit(lambda: _queue_pdf(proposal_id))
    return proposal


@transaction.atomic
def proposal_withdraw(*, proposal: Proposal, by, reason: str) -> Proposal:
    """Withdraw a proposal before a decision, with a reason; the door tells the team."""
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
    return proposal_transition(
        proposal=proposal,
        action="withdraw",
        by=by,
        changes={"withdrawn_at": timezone.now(), "withdrawal_reason": reason},
        reason=reason,
    )
