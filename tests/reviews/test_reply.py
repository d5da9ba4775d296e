"""The right of reply's services: opening (reviews all in, deadline in working days, the team's
mail), saving with versions, submitting within the word limit and before the deadline, and the
way to the panel (the officer, the periodic job)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from applications.models import ClosureDay, ProposalReply, ProposalStatus
from applications.services.replies import (
    ReplyConflict,
    replies_close_passed,
    reply_deadline,
    reply_open,
    reply_save,
    reply_submit,
    word_count,
)
from applications.tasks import close_passed_replies
from portal.models import Activity, Notification
from reviews.models import ReviewAssignment
from reviews.services.assignment import assignment_answer
from reviews.services.replies import cutoff_reply_open, cutoff_send_to_panel
from tests.factories import (
    CallFactory,
    MembershipFactory,
    ProgrammeOfficerFactory,
    TeamMemberFactory,
    UserFactory,
    proposal_in_reply,
    proposal_in_review,
    review_submitted,
)
from tests.factories.reply import review_assigned

pytestmark = pytest.mark.django_db

BRUSSELS = ZoneInfo("Europe/Brussels")


@pytest.fixture
def officer():
    return ProgrammeOfficerFactory()


def test_the_deadline_is_the_end_of_the_nth_working_day_in_the_calls_zone():
    call = CallFactory(display_timezone="Europe/Brussels", reply_working_days=5)
    # Opened on Thursday 17 Dec 2026: Fri 18, Mon 21, Tue 22, Wed 23, Thu 24 (Christmas and
    # Boxing day are holidays, but they come after).
    opened = datetime(2026, 12, 17, 15, 0, tzinfo=BRUSSELS)
    deadline = reply_deadline(call=call, opened_at=opened)
    assert deadline.astimezone(BRUSSELS) == datetime(2026, 12, 24, 23, 59, tzinfo=BRUSSELS)
    # Opened on Tue 22 Dec: Wed 23, Thu 24, (25, 26, 27 off) Mon 28, Tue 29, Wed 30.
    opened = datetime(2026, 12, 22, 9, 0, tzinfo=BRUSSELS)
    assert reply_deadline(call=call, opened_at=opened).astimezone(BRUSSELS).date() == (
        datetime(2026, 12, 30).date()
    )
    # A closure day the programme office recorded counts as no working day either.
    ClosureDay.objects.create(date=datetime(2026, 12, 29).date(), reason="Office closed")
    assert reply_deadline(call=call, opened_at=opened).astimezone(BRUSSELS).date() == (
        datetime(2026, 12, 31).date()
    )


def test_opening_needs_every_review_owed(officer):
    proposal = proposal_in_review(reviews=2)
    # A third assignment, accepted but not reviewed: the reply waits for it.
    assignment = review_assigned(proposal=proposal)
    with pytest.raises(ValidationError, match="Not every assigned reviewer"):
        reply_open(proposal=proposal, by=officer)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.IN_REVIEW
    assert not ProposalReply.objects.filter(proposal=proposal).exists()
    # A declined assignment owes no review.
    ReviewAssignment.objects.filter(pk=assignment.pk).update(status="assigned")
    assignment_answer(
        assignment=assignment, reviewer=assignment.reviewer, accept=False, reason="Too busy."
    )
    reply = reply_open(proposal=proposal, by=officer)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.IN_REPLY
    assert reply.deadline > reply.opened_at


def test_opening_mails_the_team_the_deadline_and_logs_for_the_applicant(
    officer, django_capture_on_commit_callbacks
):
    proposal = proposal_in_review()
    teammate = TeamMemberFactory(proposal=proposal).user
    with django_capture_on_commit_callbacks(execute=True):
        reply = reply_open(proposal=proposal, by=officer)
    mails = Notification.objects.filter(template="reply_opened")
    assert {m.to_email for m in mails} == {proposal.created_by.email, teammate.email}
    deadline_text = reply.deadline.astimezone(BRUSSELS).strftime("%H:%M")
    assert all(deadline_text in m.body_text and "500 words" in m.body_text for m in mails)
    entry = Activity.objects.get(verb="proposal.open_reply", object_id=proposal.pk)
    assert entry.to_state == ProposalStatus.IN_REPLY


def test_a_call_without_the_right_of_reply_cannot_open_it(officer):
    proposal = proposal_in_review(right_of_reply=False)
    with pytest.raises(ValidationError):
        reply_open(proposal=proposal, by=officer)
    with pytest.raises(ValidationError, match="no right of reply"):
        cutoff_reply_open(cutoff=proposal.cutoff, by=officer)
    outcome = cutoff_send_to_panel(cutoff=proposal.cutoff, by=officer)
    assert outcome.done == [proposal]
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.IN_PANEL


def test_the_cutoff_opens_the_reply_only_where_the_reviews_are_in(officer):
    ready = proposal_in_review()
    waiting = proposal_in_review(reviews=1, cutoff=ready.cutoff)
    review_assigned(proposal=waiting)
    outcome = cutoff_reply_open(cutoff=ready.cutoff, by=officer)
    assert outcome.done == [ready] and outcome.refused == []
    ready.refresh_from_db()
    waiting.refresh_from_db()
    assert (ready.status, waiting.status) == (ProposalStatus.IN_REPLY, ProposalStatus.IN_REVIEW)
    with pytest.raises(PermissionDenied):
        cutoff_reply_open(cutoff=ready.cutoff, by=ready.created_by)


def test_any_member_saves_with_versions_and_a_stale_save_names_who_saved():
    proposal = proposal_in_reply()
    reply = proposal.reply
    author = proposal.created_by
    colleague = MembershipFactory(organisation=proposal.organisation).user  # not on the team
    reply = reply_save(reply=reply, by=author, text="We thank the reviewers.", expected_version=1)
    assert (reply.version, reply.saved_by) == (2, author)
    with pytest.raises(ReplyConflict) as conflict:
        reply_save(reply=reply, by=colleague, text="Other text.", expected_version=1)
    assert author.display_name in conflict.value.messages[0]
    assert "version 2" in conflict.value.messages[0]
    reply = reply_save(reply=reply, by=colleague, text="Other text.", expected_version=2)
    assert reply.text == "Other text."
    with pytest.raises(PermissionDenied):
        reply_save(reply=reply, by=UserFactory(), text="Intruder.", expected_version=3)


def test_submit_checks_the_word_limit_and_the_deadline_and_keeps_the_text(
    django_capture_on_commit_callbacks,
):
    proposal = proposal_in_reply(cutoff__call__reply_word_limit=50)
    reply = proposal.reply
    author = proposal.created_by
    long_text = "word " * 51
    with pytest.raises(ValidationError, match="Keep the reply to 50 words .it has 51."):
        reply_submit(reply=reply, by=author, text=long_text, expected_version=1)
    reply.refresh_from_db()
    # The save went through; only the submission was refused.
    assert reply.text == long_text and reply.status == ProposalReply.Status.DRAFT
    with pytest.raises(ValidationError, match="deadline to reply passed"):
        reply_submit(
            reply=reply,
            by=author,
            text="Short answer.",
            expected_version=reply.version,
            now=reply.deadline + timedelta(minutes=1),
        )
    reply.refresh_from_db()
    assert reply.text == long_text
    reply = reply_submit(
        reply=reply, by=author, text="Short answer.", expected_version=reply.version
    )
    assert reply.is_submitted and reply.submitted_by == author
    with pytest.raises(ValidationError, match="submitted and can no longer be changed"):
        reply_save(reply=reply, by=author, text="More.", expected_version=reply.version)
    entry = Activity.objects.get(verb="reply.submit", object_id=proposal.pk)
    assert entry.actor == author


def test_word_count_counts_runs_of_non_space():
    assert word_count("") == 0
    assert word_count("  One,\ttwo\n\nthree—four  ") == 3


def test_the_officer_sends_a_reply_to_the_panel_only_once_it_is_in(officer):
    proposal = proposal_in_reply()
    outcome = cutoff_send_to_panel(cutoff=proposal.cutoff, by=officer)
    assert outcome.done == []
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.IN_REPLY
    reply_submit(reply=proposal.reply, by=proposal.created_by, text="Thanks.", expected_version=1)
    outcome = cutoff_send_to_panel(cutoff=proposal.cutoff, by=officer)
    assert outcome.done == [proposal]
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.IN_PANEL


def test_the_periodic_job_sends_to_the_panel_once_the_deadline_has_passed():
    early = proposal_in_reply()
    late = proposal_in_reply()
    ProposalReply.objects.filter(proposal=late).update(
        deadline=timezone.now() - timedelta(minutes=1)
    )
    assert close_passed_replies.apply().get() == 1
    early.refresh_from_db()
    late.refresh_from_db()
    assert (early.status, late.status) == (ProposalStatus.IN_REPLY, ProposalStatus.IN_PANEL)
    entry = Activity.objects.get(verb="proposal.send_to_panel", object_id=late.pk)
    assert entry.actor is None
    assert replies_close_passed() == 0  # nothing twice


def test_in_review_proposals_go_to_the_panel_only_with_their_reviews(officer):
    proposal = proposal_in_review(reviews=1, right_of_reply=False)
    review_assigned(proposal=proposal)
    assert cutoff_send_to_panel(cutoff=proposal.cutoff, by=officer).done == []
    review_submitted(proposal=proposal)  # a third reviewer, submitted
    # Still one owed (the accepted, unsubmitted one).
    assert cutoff_send_to_panel(cutoff=proposal.cutoff, by=officer).done == []


def test_the_teams_timeline_says_the_reply_opened_and_was_submitted():
    from applications.selectors.proposals import proposal_timeline

    proposal = proposal_in_reply()
    reply_submit(reply=proposal.reply, by=proposal.created_by, text="Thanks.", expected_version=1)
    texts = [entry.text for entry in proposal_timeline(proposal=proposal)]
    assert "The right of reply opened" in texts
    assert f"{proposal.created_by.display_name} submitted the reply to the reviews" in texts
