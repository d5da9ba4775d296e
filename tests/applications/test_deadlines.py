"""Cut-offs with a frozen clock: server time decides, with no grace, and drafts roll over."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from applications.models import ProposalStatus
from applications.services.proposals import (
    cutoff_close,
    cutoffs_close_passed,
    proposal_create,
    proposal_submit,
)
from portal.models import Activity, Notification
from tests.factories import (
    CallFactory,
    CutOffFactory,
    MembershipFactory,
    SubmittableProposalFactory,
    TeamMemberFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# 10:00 in Brussels (CET, UTC+1) on 15 December 2026.
CUTOFF = datetime(2026, 12, 15, 9, 0, 0, tzinfo=UTC)
NEXT_CUTOFF = datetime(2027, 1, 5, 9, 0, 0, tzinfo=UTC)


@pytest.fixture
def draft():
    """A complete draft aimed at CUTOFF, written two weeks before it; a later cut-off exists."""
    with time_machine.travel(CUTOFF - timedelta(days=14), tick=False):
        call = CallFactory(closes_at=NEXT_CUTOFF + timedelta(days=30))
        cutoff = CutOffFactory(call=call, at=CUTOFF)
        CutOffFactory(call=call, at=NEXT_CUTOFF)
        return SubmittableProposalFactory(cutoff=cutoff)


def test_submission_one_second_after_the_cutoff_is_refused_naming_the_cutoff(draft):
    with (
        time_machine.travel(CUTOFF + timedelta(seconds=1), tick=False),
        pytest.raises(ValidationError) as error,
    ):
        proposal_submit(proposal=draft, by=draft.created_by)
    message = " ".join(error.value.message_dict["cutoff"])
    assert "15 Dec 2026, 10:00 CET (Europe/Brussels)" in message
    assert "09:00 UTC" in message
    assert "has passed" in message
    draft.refresh_from_db()
    assert draft.status == ProposalStatus.DRAFT
    assert draft.reference is None


def test_submission_exactly_at_the_cutoff_is_refused(draft):
    with time_machine.travel(CUTOFF, tick=False), pytest.raises(ValidationError) as error:
        proposal_submit(proposal=draft, by=draft.created_by)
    assert "cutoff" in error.value.message_dict
    draft.refresh_from_db()
    assert draft.status == ProposalStatus.DRAFT


def test_submission_one_second_before_the_cutoff_is_accepted(draft):
    with time_machine.travel(CUTOFF - timedelta(seconds=1), tick=False):
        submitted = proposal_submit(proposal=draft, by=draft.created_by)
    submitted.refresh_from_db()
    assert submitted.status == ProposalStatus.SUBMITTED
    assert submitted.submitted_at == CUTOFF - timedelta(seconds=1)
    assert submitted.reference == "AIF-FL-2026-12-0001"


def test_a_draft_rolls_over_to_the_next_cutoff_and_the_team_is_told(draft, mailoutbox):
    teammate = UserFactory()
    MembershipFactory(organisation=draft.organisation, user=teammate)
    TeamMemberFactory(proposal=draft, user=teammate)
    next_cutoff = draft.call.cutoffs.get(at=NEXT_CUTOFF)

    with time_machine.travel(CUTOFF + timedelta(minutes=1), tick=False):
        moved = cutoff_close(cutoff=draft.cutoff)

    assert moved == 1
    draft.refresh_from_db()
    assert draft.cutoff == next_cutoff
    assert draft.status == ProposalStatus.DRAFT
    told = Notification.objects.filter(template="proposal_rolled_over")
    assert sorted(n.to_email for n in told) == sorted([draft.created_by.email, teammate.email])
    body = told.first().body_text
    assert "5 Jan 2027, 10:00 CET (Europe/Brussels)" in body
    assert "15 Dec 2026, 10:00 CET" in body
    assert Activity.objects.filter(verb="proposal.roll_over", object_id=str(draft.pk)).exists()
    # The rolled-over draft can now be submitted before the next cut-off.
    with time_machine.travel(NEXT_CUTOFF - timedelta(days=1), tick=False):
        submitted = proposal_submit(proposal=draft, by=draft.created_by)
    assert submitted.reference == "AIF-FL-2027-01-0001"


def test_closing_a_cutoff_twice_moves_and_tells_once(draft):
    with time_machine.travel(CUTOFF + timedelta(minutes=1), tick=False):
        assert cutoff_close(cutoff=draft.cutoff) == 1
        assert cutoff_close(cutoff=draft.cutoff) == 0
    assert Notification.objects.filter(template="proposal_rolled_over").count() == 1
    draft.cutoff.refresh_from_db()
    assert draft.cutoff.closed_at is not None


def test_a_cutoff_cannot_be_closed_before_its_deadline(draft):
    with (
        time_machine.travel(CUTOFF - timedelta(seconds=1), tick=False),
        pytest.raises(ValidationError),
    ):
        cutoff_close(cutoff=draft.cutoff)
    draft.refresh_from_db()
    assert draft.cutoff.at == CUTOFF


def test_submitted_proposals_stay_at_their_cutoff(draft):
    with time_machine.travel(CUTOFF - timedelta(hours=1), tick=False):
        proposal_submit(proposal=draft, by=draft.created_by)
    with time_machine.travel(CUTOFF + timedelta(minutes=1), tick=False):
        assert cutoff_close(cutoff=draft.cutoff) == 0
    draft.refresh_from_db()
    assert draft.cutoff.at == CUTOFF


def test_at_the_last_cutoff_the_draft_stays_and_the_team_learns_the_call_closed():
    with time_machine.travel(CUTOFF - timedelta(days=14), tick=False):
        call = CallFactory(closes_at=CUTOFF + timedelta(days=1))
        cutoff = CutOffFactory(call=call, at=CUTOFF)
        draft = SubmittableProposalFactory(cutoff=cutoff)
    with time_machine.travel(CUTOFF + timedelta(minutes=1), tick=False):
        assert cutoff_close(cutoff=cutoff) == 0
    draft.refresh_from_db()
    assert draft.cutoff == cutoff
    told = Notification.objects.get(template="proposal_rolled_over")
    assert "no further cut-off" in told.body_text


def test_new_drafts_aim_at_the_next_open_cutoff():
    with time_machine.travel(CUTOFF - timedelta(days=30), tick=False):
        call = CallFactory(closes_at=NEXT_CUTOFF + timedelta(days=1))
        CutOffFactory(call=call, at=CUTOFF)
        later = CutOffFactory(call=call, at=NEXT_CUTOFF)
        membership = MembershipFactory()
    with time_machine.travel(CUTOFF + timedelta(seconds=1), tick=False):
        proposal = proposal_create(
            call=call, organisation=membership.organisation, by=membership.user
        )
    assert proposal.cutoff == later


def test_the_periodic_job_closes_only_passed_cutoffs(draft):
    with time_machine.travel(CUTOFF + timedelta(minutes=1), tick=False):
        assert cutoffs_close_passed() == 1
    closed = {c.at: c.closed_at is not None for c in draft.call.cutoffs.all()}
    assert closed == {CUTOFF: True, NEXT_CUTOFF: False}
