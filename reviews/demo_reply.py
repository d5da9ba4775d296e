"""Demo data of the right of reply, on the Large Scale cut-off of the peer review chapter
(reviews.demo_reviews), told at its past moments: as each proposal's three reviews were in, the
programme office opened the reply. The first batch's deadline has passed: most teams submitted an
answer to "Reviewer 1, 2, 3" and the officer sent those proposals to the panel; one team left only
a draft, and the portal's periodic job sent it to the panel once the deadline passed. The proposal
whose reviews came in last has its reply open now, a draft saved: its team's login lands on the
reply form beside the anonymised reviews.

Everything goes through the services (applications.services.replies, the door), each at its
moment (applications.demo_clock). Idempotent: once a reply exists at the cut-off, nothing is done.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from applications.demo_clock import demo_moment, office_hours_after
from applications.models import Call, CutOff, Proposal, ProposalReply, ProposalStatus
from applications.services.proposals import proposal_transition
from applications.services.replies import (
    replies_close_passed,
    reply_deadline,
    reply_open,
    reply_save,
    reply_submit,
)
from applications.working_days import working_calendar
from reviews.demo_reviews import review_cutoff
from reviews.models import Review
from reviews.services.replies import reviews_complete

# The teams' answers: each takes up what "Reviewer 1, 2, 3" wrote on the three criteria.
REPLIES = (
    "We thank the reviewers for their careful reading. On the baselines (Reviewer 1): we will "
    "report against the two strongest open models of our size on the public benchmarks named "
    "in section 3, and add an ablation of the data mixture at 1B parameters before the main "
    "run. On the users (Reviewer 2): two pilot customers have signed letters of intent, now in "
    "the annex, and will test the first checkpoint in month 4. On the hours (Reviewer 3): the "
    "annex breaks the request down into the scaling tests (6 %), the main run (78 %) and the "
    "evaluations (16 %), each with its number of GPUs and days.",
    "We are grateful for the reviews. Reviewer 2 asks how we will know the results are used: we "
    "will count the organisations running the released model after six months and publish the "
    "figure. Reviewer 3 worries about data loading at this scale: our pipeline streams "
    "pre-sharded files from the centre's parallel file system, and the scaling test on 128 GPUs "
    "kept the GPUs above 90 % busy. Reviewer 1's point on novelty is fair; section 2 now states "
    "what we add to the published work in three sentences.",
    "Thank you for the constructive comments. On scaling (Reviewer 3): our pilot on 64 GPUs "
    "reached 41 % model FLOPs utilisation, and the weak-scaling runs to 512 GPUs that support "
    "the requested hours are in the annex. On data governance (Reviewer 1): every corpus is "
    "listed with its licence, and personal data is filtered before tokenisation. On the "
    "timeline (Reviewer 2): checkpoints every four hours keep each job within the 48-hour limit "
    "the centre recommends.",
    "We thank the three reviewers. Reviewer 1 and Reviewer 2 differ on the strength of the "
    "evaluation plan; we have added held-out test sets from two partners that were not used in "
    "training, which addresses Reviewer 2's concern about overfitting. On the risk Reviewer 3 "
    "names, we have a fallback: if the full model does not converge by month 3, we continue "
    "with the half-size model already trained in our scaling tests.",
)
LAPSED_DRAFT = (
    "We thank the reviewers. On the implementation (Reviewer 3): we agree that the hours were "
    "not broken down run by run, and"
)
OPEN_DRAFT = (
    "We thank the reviewers for their reading. On the evaluation plan (Reviewer 1): we will add "
    "the multilingual benchmarks suggested and report results per language. On the hours "
    "(Reviewer 3):"
)
# Proposals whose reviews were all in this long ago open in the first batch.
FIRST_BATCH_AGE = timedelta(days=9)


def _reviewed_at(cutoff: CutOff) -> dict[int, datetime]:
    """When each proposal of the cut-off in review had its last submitted review."""
    return dict(
        Proposal.objects.filter(cutoff=cutoff, status=ProposalStatus.IN_REVIEW)
        .annotate(
            last=Max("reviews__submitted_at", filter=Q(reviews__status=Review.Status.SUBMITTED)),
            n=Count("reviews", filter=Q(reviews__status=Review.Status.SUBMITTED)),
        )
        .filter(n__gt=0)
        .values_list("pk", "last")
    )


def _step(at: datetime, run) -> None:
    with demo_moment(at), transaction.atomic():
        run()


def reply_demo_seed(*, officer, now: datetime | None = None) -> bool:
    """Play the right of reply at the reviewed cut-off; False when there is none or it is done."""
    now = now or timezone.now()
    cutoff = review_cutoff(now=now)
    if cutoff is None or ProposalReply.objects.filter(proposal__cutoff=cutoff).exists():
        return False
    call = cutoff.call
    if not call.right_of_reply:
        # The demo's Large Scale call offers the right of reply (set when the call was set up).
        Call.objects.filter(pk=call.pk).update(right_of_reply=True)
        call.right_of_reply = True
    calendar = working_calendar()
    proposals = {
        p.pk: p
        for p in Proposal.objects.filter(cutoff=cutoff, status=ProposalStatus.IN_REVIEW)
        .select_related("call", "created_by")
        .order_by("submitted_at", "pk")
    }
    ready = {
        pk: at
        for pk, at in _reviewed_at(cutoff).items()
        if reviews_complete(proposal=proposals[pk])
    }
    if not ready:
        return False
    first = sorted((pk for pk, at in ready.items() if at <= now - FIRST_BATCH_AGE), key=ready.get)
    later = sorted((pk for pk in ready if pk not in first), key=ready.get)
    played = False
    if first:
        _first_batch(
            cutoff,
            [proposals[pk] for pk in first],
            max(ready[pk] for pk in first),
            officer=officer,
            now=now,
            calendar=calendar,
        )
        played = True
    if later:
        opened = office_hours_after(max(ready[pk] for pk in later), hours=1, calendar=calendar)
        if opened < now - timedelta(hours=2):
            _open_batch([proposals[pk] for pk in later], opened, officer, now, calendar)
            played = True
    return played


def _open(batch: list[Proposal], at: datetime, officer) -> list[ProposalReply]:
    replies = []

    def run():
        for proposal in batch:
            replies.append(reply_open(proposal=Proposal.objects.get(pk=proposal.pk), by=officer))

    _step(at, run)
    return replies


def _open_batch(batch, opened, officer, now, calendar) -> None:
    """The latest batch: its reply open now, the team has saved a draft."""
    replies = _open(batch, opened, officer)
    for reply in replies:
        at = office_hours_after(opened, hours=4, calendar=calendar)
        if at < now - timedelta(minutes=30):
            _step(at, lambda reply=reply: _save(reply, OPEN_DRAFT))


def _save(reply: ProposalReply, text: str) -> None:
    reply = ProposalReply.objects.select_related("proposal__created_by").get(pk=reply.pk)
    reply_save(reply=reply, by=reply.proposal.created_by, text=text, expected_version=reply.version)


def _first_batch(cutoff, batch, reviewed, *, officer, now, calendar) -> None:
    """Opened once the batch's reviews were in; every team but one answered before the
    deadline; the officer sent the answered ones to the panel, the portal the one left."""
    opened = office_hours_after(reviewed, hours=1, calendar=calendar)
    replies = _open(batch, opened, officer)
    deadline = reply_deadline(call=cutoff.call, opened_at=opened, calendar=calendar)
    # The team that lets it lapse: the weakest, whose reviewers were hardest on it.
    lapsed = min(
        replies,
        key=lambda r: (
            Review.objects.filter(
                proposal_id=r.proposal_id, status=Review.Status.SUBMITTED
            ).aggregate(m=Max("weighted_total"))["m"]
            or 0
        ),
    )
    submitted_at = []
    for n, reply in enumerate(replies):
        # The teams answer over the first working days of the five they have.
        at = office_hours_after(opened, hours=5 + n * 6, calendar=calendar)
        if at >= min(deadline, now):
            continue
        if reply is lapsed:
            _step(at, lambda reply=reply: _save(reply, LAPSED_DRAFT))
            continue
        text = REPLIES[n % len(REPLIES)]

        def submit(reply=reply, text=text):
            row = ProposalReply.objects.select_related("proposal__created_by").get(pk=reply.pk)
            reply_submit(
                reply=row, by=row.proposal.created_by, text=text, expected_version=row.version
            )

        # A first version saved in the morning, submitted in the afternoon.
        _step(at, lambda reply=reply, text=text: _save(reply, text.rsplit(". ", 1)[0] + "."))
        later = office_hours_after(at, hours=3, calendar=calendar)
        _step(later, submit)
        submitted_at.append(later)
    if submitted_at:
        # The officer sends the answered proposals to the panel before the deadline.
        send_at = office_hours_after(max(submitted_at), hours=2, calendar=calendar)
        if send_at < min(deadline, now):

            def send():
                for reply in ProposalReply.objects.filter(
                    proposal__in=batch, status=ProposalReply.Status.SUBMITTED
                ).select_related("proposal__call"):
                    proposal_transition(proposal=reply.proposal, action="send_to_panel", by=officer)

            _step(send_at, send)
    # The periodic job, in the night after the deadline: the lapsed reply's proposal to the panel.
    night = deadline + timedelta(hours=6)
    if night < now - timedelta(hours=1):
        _step(night, lambda: replies_close_passed(now=night))


def reply_demo_chapter(*, officer) -> None:
    """The right of reply chapter (applications.hooks.demo_chapters), after the peer review."""
    reply_demo_seed(officer=officer)
