"""The applicant's dashboard: proposals by status with what happened and what comes next, drafts
with their completeness, the next deadline and recent notifications."""

from __future__ import annotations

import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from applications.services.proposals import proposal_submit
from portal.models import Notification
from tests.factories import (
    CutOffFactory,
    MembershipFactory,
    ProposalFactory,
    SubmittableProposalFactory,
)

pytestmark = pytest.mark.django_db

URL = reverse("applications:dashboard")


def test_dashboard_needs_a_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_empty_dashboard_points_to_the_open_calls(client):
    client.force_login(MembershipFactory().user)
    body = client.get(URL).content.decode()
    assert "You have no proposals yet." in body


def test_drafts_show_completeness_and_the_next_deadline_in_the_viewers_zone(client):
    draft = ProposalFactory(title="Speech for Baltic languages")
    user = draft.created_by
    user.timezone = "America/New_York"
    user.save()
    client.force_login(user)
    body = client.get(URL).content.decode()
    assert "Speech for Baltic languages" in body
    assert "% complete" in body
    local = draft.cutoff.at.astimezone(zoneinfo.ZoneInfo("America/New_York"))
    assert "Next deadline:" in body
    assert f"{local:%H:%M} {local.tzname()} (America/New_York)" in body


def test_submitted_proposal_shows_its_timeline_and_what_comes_next(
    client, django_capture_on_commit_callbacks
):
    proposal = SubmittableProposalFactory(title="Protein language model")
    with django_capture_on_commit_callbacks(execute=True):
        proposal_submit(proposal=proposal, by=proposal.created_by)
    proposal.refresh_from_db()
    client.force_login(proposal.created_by)
    body = client.get(URL).content.decode()
    assert 'data-status-group="submitted"' in body
    assert proposal.reference in body
    # The timeline, from the activity log, worded for the applicant.
    assert (
        f"{proposal.created_by.display_name} submitted the proposal ({proposal.reference})" in body
    )
    assert "The programme office checks that your organisation is eligible." in body
    assert "Then: Eligible" in body  # the rest of the route, from the workflow table
    receipt = Notification.objects.filter(recipient=proposal.created_by).latest("id")
    assert receipt.subject in body  # the receipt, under recent notifications


def test_recent_notifications_are_listed(client):
    membership = MembershipFactory()
    Notification.objects.create(
        recipient=membership.user,
        to_email=membership.user.email,
        template="test",
        subject="Your proposal was received",
        body_text="Thanks.",
        idempotency_key="dash-test-1",
    )
    Notification.objects.create(
        recipient=membership.user,
        to_email=membership.user.email,
        template="account",
        subject="Confirm your email",
        body_text="secret link",
        idempotency_key="dash-test-2",
        show_in_portal=False,
    )
    client.force_login(membership.user)
    body = client.get(URL).content.decode()
    assert "Your proposal was received" in body
    assert "Confirm your email" not in body


def test_other_organisations_proposals_are_not_shown(client):
    ProposalFactory(title="Somebody else's secret plan")
    client.force_login(MembershipFactory().user)
    assert "secret plan" not in client.get(URL).content.decode()


def _proposals_for(organisation, user, count, django_capture_on_commit_callbacks):
    for i in range(count):
        cutoff = CutOffFactory()
        if i % 2:
            ProposalFactory(organisation=organisation, created_by=user, cutoff=cutoff)
        else:
            proposal = SubmittableProposalFactory(
                organisation=organisation, created_by=user, cutoff=cutoff
            )
            with django_capture_on_commit_callbacks(execute=False):
                proposal_submit(proposal=proposal, by=user)


def _count_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL)
    assert response.status_code == 200
    return len(queries)


def test_query_count_is_the_same_for_1_and_50_proposals(client, django_capture_on_commit_callbacks):
    one = MembershipFactory()
    _proposals_for(one.organisation, one.user, 1, django_capture_on_commit_callbacks)
    client.force_login(one.user)
    few = _count_queries(client)

    many = MembershipFactory()
    _proposals_for(many.organisation, many.user, 50, django_capture_on_commit_callbacks)
    client.force_login(many.user)
    lots = _count_queries(client)

    assert lots == few


def test_each_timeline_keeps_the_newest_entries_and_loads_only_those():
    from applications.selectors.proposals import _timelines
    from portal.services.activity import activity_record

    busy, quiet = ProposalFactory(), ProposalFactory()
    for n in range(30):
        activity_record(
            actor=None, verb="attachment.upload", target=busy, data={"name": f"step-{n:02d}.pdf"}
        )
        # Staff entries in between never count, nor show.
        activity_record(actor=None, verb="proposal.download", target=busy, data={"file": "x"})
    activity_record(actor=None, verb="attachment.upload", target=quiet, data={"name": "only.pdf"})

    with CaptureQueriesContext(connection) as queries:
        timelines = _timelines([busy, quiet], per_proposal=8)
    assert len(queries) <= 2  # the content type may be looked up once
    assert "ROW_NUMBER" in queries[-1]["sql"].upper()  # the database drops the older rows
    busy_steps = [e.text for e in timelines[busy.pk]]
    # Newest first.
    assert busy_steps == [f"The portal uploaded step-{n:02d}.pdf" for n in range(29, 21, -1)]
    assert [e.text for e in timelines[quiet.pk]] == ["The portal uploaded only.pdf"]
