"""Demo data of the right of reply, on the Large Scale call: the programme office opened the reply
for the proposals whose three reviews are in; one team has submitted its answer, another has a
draft saved, the others have not started. The applicant logins then find the anonymised reviews
and the reply form, and the officer's proposal view shows the submitted reply.

Not wired into reviews.demo yet: it needs the reviews of the scoring chapter. Given a Large Scale
cut-off with proposals in review and their reviews submitted, it does the rest. Idempotent: once a
reply was opened on the cut-off, the chapter does nothing."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from applications.demo_clock import demo_moment, office_hours_after
from applications.models import Call, CutOff, ProposalReply, ProposalStatus
from applications.modes import AccessMode
from applications.services.replies import reply_save, reply_submit
from applications.working_days import working_calendar
from reviews.services.replies import cutoff_reply_open

SUBMITTED_REPLY = (
    "We thank the reviewers for their careful reading. On scaling (Reviewer 2): our pilot on "
    "64 GPUs reached 41 % model FLOPs utilisation, and the annex now shows the weak-scaling "
    "runs to 512 GPUs that support the requested hours. On data governance (Reviewer 1): every "
    "corpus is listed with its licence, and personal data is filtered before tokenisation. On "
    "the timeline (Reviewer 3): checkpoints every four hours keep each job within the 48-hour "
    "limit the centre recommends."
)
DRAFT_REPLY = (
    "We thank the reviewers. On the evaluation plan: we will add the multilingual benchmarks "
    "Reviewer 1 suggests, and"
)


def _cutoff_with_reviews_in() -> CutOff | None:
    """The Large Scale cut-off whose proposals are in review (the scoring chapter's)."""
    return (
        CutOff.objects.filter(
            call__mode=AccessMode.LARGE_SCALE, proposals__status=ProposalStatus.IN_REVIEW
        )
        .select_related("call")
        .order_by("at")
        .first()
    )


@transaction.atomic
def reply_demo_seed(*, officer, cutoff: CutOff | None = None) -> list[ProposalReply]:
    cutoff = cutoff or _cutoff_with_reviews_in()
    if cutoff is None or ProposalReply.objects.filter(proposal__cutoff=cutoff).exists():
        return []
    if not cutoff.call.right_of_reply:
        # The demo's Large Scale call offers the right of reply (a call setting the officer
        # chose when setting it up).
        Call.objects.filter(pk=cutoff.call_id).update(right_of_reply=True)
        cutoff.call.right_of_reply = True
    opened = cutoff_reply_open(cutoff=cutoff, by=officer).done
    replies = list(
        ProposalReply.objects.filter(proposal__in=opened)
        .select_related("proposal__created_by", "proposal__call")
        .order_by("proposal__submitted_at", "proposal__pk")
    )
    if replies:
        first = replies[0]
        reply_submit(
            reply=first,
            by=first.proposal.created_by,
            text=SUBMITTED_REPLY,
            expected_version=first.version,
        )
    if len(replies) > 1:
        second = replies[1]
        reply_save(
            reply=second,
            by=second.proposal.created_by,
            text=DRAFT_REPLY,
            expected_version=second.version,
        )
    return replies


def reply_demo_chapter(*, officer) -> None:
    """The right of reply chapter (to be registered after the scoring chapter): the officer
    opened the reply yesterday in office hours, and the teams answered since."""
    calendar = working_calendar()
    at = office_hours_after(timezone.now() - timedelta(days=2), hours=1, calendar=calendar)
    with demo_moment(min(at, timezone.now())):
        reply_demo_seed(officer=officer)
