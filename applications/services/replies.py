"""The applicant's reply to the reviews (right of reply): opened per proposal by the programme
office through the door, written by any member of the applying organisation with autosave and
optimistic versions, submitted once before the deadline; after it, or once submitted, the
proposal goes to the panel (the officer earlier, the portal's periodic job once the deadline has
passed).

Only applications data is touched here. Whether the reviews are all in before the reply opens is
the evaluation's rule (a guard reviews registers on the door)."""

from __future__ import annotations

import re
from datetime import datetime, time

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from applications.deadlines import local_to_utc
from applications.hooks import proposal_actors
from applications.models import Proposal, ProposalReply, ProposalStatus
from applications.selectors.proposals import describe_instant
from applications.workflow import Actor
from applications.working_days import WorkingCalendar, working_calendar
from portal.services.activity import activity_record

from .proposals.conflicts import EditConflict
from .proposals.transitions import proposal_transition
from .proposals.waiting import proposals_waiting_refresh

# The reply's own status (draft or submitted), not the proposal's: the proposal's changes only
# through the door.
REPLY_SUBMITTED = ProposalReply.Status.SUBMITTED
# The last minute of the last working day, in the call's zone: "by the end of Friday".
END_OF_DAY = time(23, 59)
_WORD = re.compile(r"\S+")


def word_count(text: str) -> int:
    """Words as the page counts them as you type (static/js/reply-form.js): runs of non-space."""
    return len(_WORD.findall(text or ""))


def reply_deadline(
    *, call, opened_at: datetime, calendar: WorkingCalendar | None = None
) -> datetime:
    """The end of the call's `reply_working_days`-th working day after the day the reply opens,
    counted in the call's time zone (weekends, public holidays and closure days do not count)."""
    closure_days = (calendar or working_calendar()).closure_days
    local = WorkingCalendar(closure_days=closure_days, zone=call.display_timezone)
    last_day = local.add_working_days(opened_at, call.reply_working_days)
    return local_to_utc(last_day, END_OF_DAY, call.display_timezone)


@transaction.atomic
def reply_open(*, proposal: Proposal, by, now: datetime | None = None) -> ProposalReply:
    """Open the right of reply: the proposal goes `in_review` -> `in_reply` through the door
    (which mails the team the deadline) and gets its reply, empty, due by the deadline."""
    now = now or timezone.now()
    deadline = reply_deadline(call=proposal.call, opened_at=now)
    proposal = proposal_transition(
        proposal=proposal,
        action="open_reply",
        by=by,
        deadline=describe_instant(deadline, proposal.call.display_timezone),
        word_limit=proposal.call.reply_word_limit,
    )
    reply, _ = ProposalReply.objects.update_or_create(
        proposal=proposal, defaults={"opened_at": now, "deadline": deadline}
    )
    # The door set "waiting on the reply" before the reply existed: now its deadline is known.
    proposals_waiting_refresh(proposal_ids=[proposal.pk])
    return reply


class ReplyConflict(EditConflict):  # noqa: N818 - the domain's word for it
    """A save based on an older version of the reply (a teammate, another tab)."""

    def __init__(self, *, reply: ProposalReply, expected_version: int, viewer=None):
        super().__init__(
            subject="the reply",
            current_version=reply.version,
            expected_version=expected_version,
            changed_by=reply.saved_by,
            changed_at=reply.saved_at,
            viewer=viewer,
            advice="Reload to see their text, then make your changes again.",
        )


def _require_writer(reply: ProposalReply, by) -> None:
    if by is None or Actor.APPLICANT not in proposal_actors(proposal=reply.proposal, user=by):
        raise PermissionDenied("Only members of the applying organisation can reply.")


def _lock(reply: ProposalReply) -> ProposalReply:
    return (
        ProposalReply.objects.select_for_update(of=("self",))
        .select_related("proposal__call", "saved_by")
        .get(pk=reply.pk)
    )


def _check_open(reply: ProposalReply, now: datetime) -> None:
    if reply.is_submitted:
        raise ValidationError(
            {"text": ["The reply was submitted and can no longer be changed."]}, code="submitted"
        )
    if reply.proposal.status != ProposalStatus.IN_REPLY:
        raise ValidationError(
            {"text": ["The right of reply is closed for this proposal."]}, code="closed"
        )
    if now > reply.deadline:
        when = describe_instant(reply.deadline, reply.proposal.call.display_timezone)
        raise ValidationError(
            {
                "text": [
                    f"The deadline to reply passed on {when}; the reply can no longer be changed."
                ]
            },
            code="deadline",
        )


def _clean_text(text: str) -> str:
    field = ProposalReply._meta.get_field("text")
    text = (text or "").replace("\r\n", "\n")
    try:
        field.run_validators(text)
    except ValidationError as exc:
        raise ValidationError({"text": exc.messages}, code="invalid") from exc
    return text


@transaction.atomic
def reply_save(
    *, reply: ProposalReply, by, text: str, expected_version: int, now: datetime | None = None
) -> ProposalReply:
    """Save the draft reply (autosave and the Save button). Refused on a stale version
    (ReplyConflict, naming who saved it and when), once submitted or after the deadline. A draft
    may run over the word limit while it is being written; submission checks it."""
    _require_writer(reply, by)
    now = now or timezone.now()
    reply = _lock(reply)
    _check_open(reply, now)
    text = _clean_text(text)
    if int(expected_version) != reply.version:
        raise ReplyConflict(reply=reply, expected_version=int(expected_version), viewer=by)
    if text != reply.text:
        reply.text = text
        reply.version += 1
        reply.saved_at = now
        reply.saved_by = by
        reply.save(update_fields=["text", "version", "saved_at", "saved_by"])
    return reply


def reply_submit(
    *,
    reply: ProposalReply,
    by,
    text: str | None = None,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> ProposalReply:
    """Submit the reply (with `text`, saved first; without, the saved text), once, before the
    deadline, within the call's word limit and not empty. The team's timeline says so.

    The text is saved in a transaction of its own: a refused submission (too long, too late)
    keeps what was typed."""
    _require_writer(reply, by)
    now = now or timezone.now()
    if text is not None:
        reply = reply_save(
            reply=reply, by=by, text=text, expected_version=expected_version or 0, now=now
        )
        expected_version = reply.version
    with transaction.atomic():
        return _submit(reply, by=by, expected_version=expected_version, now=now)


def _submit(reply: ProposalReply, *, by, expected_version: int | None, now) -> ProposalReply:
    reply = _lock(reply)
    _check_open(reply, now)
    if expected_version is not None and int(expected_version) != reply.version:
        raise ReplyConflict(reply=reply, expected_version=int(expected_version), viewer=by)
    words, limit = word_count(reply.text), reply.proposal.call.reply_word_limit
    if words == 0:
        raise ValidationError({"text": ["Write your reply before submitting it."]}, code="empty")
    if words > limit:
        raise ValidationError(
            {"text": [f"Keep the reply to {limit} words (it has {words}); shorten it to submit."]},
            code="too_long",
        )
    reply.status = REPLY_SUBMITTED
    reply.submitted_at = now
    reply.submitted_by = by
    reply.version += 1
    reply.save(update_fields=["status", "submitted_at", "submitted_by", "version"])
    activity_record(actor=by, verb="reply.submit", target=reply.proposal, data={"words": words})
    # The applicant's part is done: the proposal now waits on the panel.
    proposals_waiting_refresh(proposal_ids=[reply.proposal_id])
    return reply


def reply_send_to_panel_guard(*, proposal, transition, actors, by, details) -> str | None:
    """A proposal in reply goes to the panel once its reply is submitted (the officer may send it
    then), or when the deadline has passed (the portal does, or the officer)."""
    if proposal.status != ProposalStatus.IN_REPLY or transition.action != "send_to_panel":
        return None
    reply = ProposalReply.objects.filter(proposal=proposal).first()
    if reply is None or reply.is_submitted or timezone.now() > reply.deadline:
        return None
    when = describe_instant(reply.deadline, proposal.call.display_timezone)
    return f"The applicant may still reply until {when}; send it to the panel once they have."


def replies_close_passed(*, now: datetime | None = None) -> int:
    """Periodic: proposals whose reply deadline has passed go to the panel (as the portal). Each
    in its own transaction, so one refusal does not hold back the others; safe to run twice."""
    now = now or timezone.now()
    due = Proposal.objects.filter(
        status=ProposalStatus.IN_REPLY, reply__deadline__lt=now
    ).values_list("pk", flat=True)
    moved = 0
    for pk in list(due):
        proposal = Proposal.objects.select_related("call").get(pk=pk)
        try:
            proposal_transition(proposal=proposal, action="send_to_panel", by=None)
        except (PermissionDenied, ValidationError):
            continue
        moved += 1
    return moved


def reply_deadline_passed(reply: ProposalReply, *, now: datetime | None = None) -> bool:
    return (now or timezone.now()) > reply.deadline


__all__ = [
    "ReplyConflict",
    "reply_deadline",
    "reply_deadline_passed",
    "reply_open",
    "reply_save",
    "reply_send_to_panel_guard",
    "reply_submit",
    "replies_close_passed",
    "word_count",
]
