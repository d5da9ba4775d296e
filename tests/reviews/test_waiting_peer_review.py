"""What a Large Scale proposal waits on through peer review, the right of reply and the panel:
kept on the proposal by the services that change it, counted by the workspace and listed by the
cut-off's filter, and never shown to the applicant."""

from __future__ import annotations

from decimal import Decimal

import pytest

from applications.models import Proposal, ProposalStatus, WaitingOn
from applications.modes import AccessMode
from applications.services.proposals import proposal_transition, proposals_waiting_refresh
from applications.services.proposals.waiting import reply_waiting_for
from applications.services.replies import reply_open, reply_submit
from applications.working_days import working_calendar
from reviews.models import TechnicalAssessment
from reviews.selectors.workspace import officer_workspace
from reviews.services.assessments import assessment_submit, assessments_open
from reviews.services.assignment import (
    assignment_add,
    assignment_answer,
    assignment_remove,
    assignments_conflicted,
)
from reviews.services.conflicts import no_conflict_confirm
from tests.factories import (
    CallFactory,
    CentreMembershipFactory,
    CutOffFactory,
    ProgrammeOfficerFactory,
    SubmittableProposalFactory,
    advance,
    pool_reviewer_for,
)
from tests.factories.reply import LARGE_SCALE_HOURS, call_criteria
from tests.factories.scoring import submitted_review

# The kept counts against a recount, the check shared with the first-come-first-served
# cases.
from tests.reviews.test_officer_workspace import _kept_counts_hold

pytestmark = pytest.mark.django_db
W = WaitingOn


@pytest.fixture(autouse=True)
def _staff_without_totp(settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False


@pytest.fixture
def officer():
    return ProgrammeOfficerFactory()


def _kept(proposal) -> tuple[str, str]:
    proposal.refresh_from_db()
    return proposal.waiting_on, proposal.waiting_for


def _eligible_and_assessed(cutoff, *, right_of_reply=True) -> Proposal:
    """A Large Scale proposal found eligible, its technical assessments all in."""
    proposal = advance(
        SubmittableProposalFactory(cutoff=cutoff, request__hours=LARGE_SCALE_HOURS),
        to=ProposalStatus.ELIGIBLE,
    )
    call_criteria(cutoff.call)
    assessments_open(proposal=proposal)
    for assessment in TechnicalAssessment.objects.filter(proposal=proposal):
        assessment_submit(
            assessment=assessment,
            by=CentreMembershipFactory(centre=assessment.centre).user,
            outcome=TechnicalAssessment.Outcome.FEASIBLE,
            recommended_hours=assessment.request.hours,
        )
    return proposal


def _assign(proposal, officer, *, accept=True):
    reviewer = pool_reviewer_for(proposal.call)
    no_conflict_confirm(reviewer=reviewer, proposal=proposal)
    assignment = assignment_add(proposal=proposal, reviewer=reviewer, by=officer)
    if accept:
        assignment = assignment_answer(assignment=assignment, reviewer=reviewer, accept=True)
    return assignment


@pytest.fixture
def cutoff():
    return CutOffFactory(call=CallFactory(mode=AccessMode.LARGE_SCALE, right_of_reply=True))


def test_a_large_scale_proposal_waits_on_its_reviewers_then_the_reply_then_the_panel(
    cutoff, officer
):
    proposal = advance(
        SubmittableProposalFactory(cutoff=cutoff, request__hours=LARGE_SCALE_HOURS),
        to=ProposalStatus.ELIGIBLE,
    )
    # An assessment still to open or open wins over the reviews.
    assert _kept(proposal)[0] == W.ASSESSMENT
    proposal = _eligible_and_assessed(cutoff)
    assert proposal.status == ProposalStatus.ELIGIBLE
    assert _kept(proposal) == (W.REVIEWS, "no reviewer yet")
    _kept_counts_hold(cutoff)

    assignments = [_assign(proposal, officer) for _ in range(3)]
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.IN_REVIEW
    assert _kept(proposal) == (W.REVIEWS, "0 of 3 reviews in")
    submitted_review(assignments[0])
    assert _kept(proposal) == (W.REVIEWS, "1 of 3 reviews in")
    _kept_counts_hold(cutoff)
    submitted_review(assignments[1])
    submitted_review(assignments[2])
    # Every review in: the officer's move (open the reply, or send to the panel).
    assert _kept(proposal) == (W.DECISION, "")
    _kept_counts_hold(cutoff)

    reply = reply_open(proposal=proposal, by=officer)
    assert _kept(proposal) == (
        W.REPLY,
        reply_waiting_for(reply.deadline, cutoff.call.display_timezone),
    )
    assert proposal.waiting_for.startswith("reply due ")
    _kept_counts_hold(cutoff)
    reply_submit(
        reply=reply, by=proposal.created_by, text="We answer each point.", expected_version=1
    )
    assert _kept(proposal) == (W.PANEL, "reply in")
    _kept_counts_hold(cutoff)
    proposal_transition(proposal=proposal, action="send_to_panel", by=officer)
    assert _kept(proposal) == (W.PANEL, "")
    _kept_counts_hold(cutoff)
    advance(proposal, to=ProposalStatus.AWARDED, officer=officer)
    assert _kept(proposal) == (W.DECIDED, "")
    _kept_counts_hold(cutoff)


def test_one_review_owed_says_review_in_the_singular(cutoff, officer):
    proposal = _eligible_and_assessed(cutoff)
    _assign(proposal, officer)
    assert _kept(proposal) == (W.REVIEWS, "0 of 1 review in")


def test_each_assignment_service_refreshes_the_count(cutoff, officer):
    proposal = _eligible_and_assessed(cutoff)
    first = _assign(proposal, officer)
    unanswered = _assign(proposal, officer, accept=False)
    assert _kept(proposal) == (W.REVIEWS, "0 of 2 reviews in")
    # Declined: no review owed.
    assignment_answer(
        assignment=unanswered, reviewer=unanswered.reviewer, accept=False, reason="Too busy."
    )
    assert _kept(proposal) == (W.REVIEWS, "0 of 1 review in")
    third = _assign(proposal, officer)
    submitted_review(first)
    assert _kept(proposal) == (W.REVIEWS, "1 of 2 reviews in")
    # Removed by the officer: the remaining review is all that was owed.
    assignment_remove(assignment=third, by=officer)
    assert _kept(proposal) == (W.DECISION, "")
    # A conflict found late sets the submitted review aside: nobody reviews it any more.
    assignments_conflicted(pairs={(first.reviewer_id, proposal.pk)}, by=officer, cause="Found.")
    assert _kept(proposal) == (W.REVIEWS, "no reviewer yet")
    _kept_counts_hold(cutoff)


def test_the_refresh_agrees_with_the_services(cutoff, officer):
    """A refresh of everything right after the services changes nothing: they kept it."""
    proposals = [_eligible_and_assessed(cutoff) for _ in range(3)]
    a = _assign(proposals[1], officer)
    _assign(proposals[1], officer)
    submitted_review(a)
    b = _assign(proposals[2], officer)
    submitted_review(b)
    assert proposals_waiting_refresh(proposal_ids=[p.pk for p in proposals]) == 0
    assert [_kept(p) for p in proposals] == [
        (W.REVIEWS, "no reviewer yet"),
        (W.REVIEWS, "1 of 2 reviews in"),
        (W.DECISION, ""),
    ]


def test_a_first_come_first_served_proposal_never_waits_on_reviews():
    from tests.factories import CallPartitionFactory, CentreFactory, PartitionFactory

    cutoff = CutOffFactory(call=CallFactory(mode=AccessMode.FAST_LANE))
    proposal = advance(
        SubmittableProposalFactory(
            cutoff=cutoff,
            request__offered_partition=CallPartitionFactory(
                call=cutoff.call, partition=PartitionFactory(centre=CentreFactory())
            ),
        ),
        to=ProposalStatus.ELIGIBLE,
    )
    assessments_open(proposal=proposal)
    for assessment in TechnicalAssessment.objects.filter(proposal=proposal):
        assessment_submit(
            assessment=assessment,
            by=CentreMembershipFactory(centre=assessment.centre).user,
            outcome=TechnicalAssessment.Outcome.FEASIBLE,
            recommended_hours=Decimal(assessment.request.hours),
        )
    assert _kept(proposal) == (W.DECISION, "")


def test_the_workspace_and_the_cutoff_list_count_and_filter_them(client, cutoff, officer):
    from django.utils import timezone

    waiting = _eligible_and_assessed(cutoff)
    in_review = _eligible_and_assessed(cutoff)
    submitted_review(_assign(in_review, officer))
    _assign(in_review, officer)
    replying = _eligible_and_assessed(cutoff)
    submitted_review(_assign(replying, officer))
    reply_open(proposal=replying, by=officer)
    paneled = _eligible_and_assessed(cutoff)
    submitted_review(_assign(paneled, officer))
    proposal_transition(proposal=paneled, action="send_to_panel", by=officer)

    [call_work] = officer_workspace(now=timezone.now(), calendar=working_calendar())
    [work] = call_work.cutoffs
    assert (work.reviews, work.reply, work.panel, work.decision) == (2, 1, 1, 0)
    assert work.waiting == 4

    client.force_login(officer)
    page = client.get("/evaluation/").content.decode()
    assert 'data-counter="reviews"' in page and "?waiting_on=panel" in page
    from django.urls import reverse

    url = reverse("applications:officer_cutoff", kwargs={"pk": cutoff.pk})
    listed = client.get(url, {"waiting_on": "reviews"}).content.decode()
    assert "Peer review: 1 of 2 reviews in" in listed
    assert "Peer review: no reviewer yet" in listed
    assert replying.reference not in listed and paneled.reference not in listed
    replies = client.get(url, {"waiting_on": "reply"}).content.decode()
    assert replying.reference in replies and "Right of reply: reply due " in replies
    assert paneled.reference in client.get(url, {"waiting_on": "panel"}).content.decode()
    assert waiting.reference in listed


def test_the_applicant_never_sees_what_it_waits_on(client, cutoff, officer):
    proposal = _eligible_and_assessed(cutoff)
    submitted_review(_assign(proposal, officer))
    _assign(proposal, officer)
    assert _kept(proposal) == (W.REVIEWS, "1 of 2 reviews in")
    client.force_login(proposal.created_by)
    page = client.get(proposal.get_absolute_url())
    assert page.status_code == 200
    text = page.content.decode()
    assert "reviews in" not in text and "Peer review:" not in text
    api = client.get(f"/api/v1/proposals/{proposal.pk}/")
    assert api.status_code == 200
    assert "waiting_on" not in api.json() and "reviews in" not in api.content.decode()


def test_the_workspace_and_the_filtered_list_cost_the_same_for_1_and_many(
    client, cutoff, officer, assert_queries_constant
):
    from django.urls import reverse

    def one_of_each():
        _eligible_and_assessed(cutoff)
        in_review = _eligible_and_assessed(cutoff)
        submitted_review(_assign(in_review, officer))
        _assign(in_review, officer)
        replying = _eligible_and_assessed(cutoff)
        submitted_review(_assign(replying, officer))
        reply_open(proposal=replying, by=officer)

    one_of_each()
    client.force_login(officer)
    client.get("/evaluation/")  # warm: session and permission caches
    url = reverse("applications:officer_cutoff", kwargs={"pk": cutoff.pk})

    def pages():
        assert client.get("/evaluation/").status_code == 200
        assert client.get(url, {"waiting_on": "reviews"}).status_code == 200
        assert client.get(url, {"waiting_on": "reply"}).status_code == 200

    def grow():
        for _ in range(3):
            one_of_each()

    assert_queries_constant(pages, grow=grow, at_most=60)
    _kept_counts_hold(cutoff)


def test_the_migration_repairs_what_the_old_code_kept(cutoff, officer):
    """Proposals kept as "Decision" before peer review had its own values get them, with the
    cut-off's counts."""
    import importlib

    from django.apps import apps

    from applications.services.proposals.waiting import waiting_counts_move

    proposal = _eligible_and_assessed(cutoff)
    submitted_review(_assign(proposal, officer))
    _assign(proposal, officer)
    proposal.refresh_from_db()
    before = (cutoff.pk, proposal.waiting_on, proposal.status, proposal.waiting_for)
    Proposal.objects.filter(pk=proposal.pk).update(waiting_on=W.DECISION, waiting_for="")
    waiting_counts_move(before=before, after=(cutoff.pk, W.DECISION, proposal.status, ""))
    _kept_counts_hold(cutoff)

    migration = importlib.import_module("reviews.migrations.0009_waiting_peer_review_refresh")
    migration.refresh_peer_review_waiting(apps, None)
    assert _kept(proposal) == (W.REVIEWS, "1 of 2 reviews in")
    _kept_counts_hold(cutoff)
