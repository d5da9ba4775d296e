"""The workspace's lists in the API: the counters (/api/v1/workspace/) and a cut-off's proposals
by what they wait on (/api/v1/cutoffs/{id}/proposals/), for programme officers only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from applications.models import ProposalStatus, WaitingOn
from applications.modes import AccessMode
from applications.services.proposals import cutoff_counts_rebuild
from tests.factories import (
    CallFactory,
    CentreMembershipFactory,
    CutOffFactory,
    MembershipFactory,
    ProgrammeOfficerFactory,
    ProposalFactory,
    ReviewerFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
W = WaitingOn


def _api(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def _proposal(cutoff, *, minutes_ago, status, waiting_on, waiting_for="", decided=False):
    now = timezone.now()
    return ProposalFactory(
        cutoff=cutoff,
        status=status,
        waiting_on=waiting_on,
        waiting_for=waiting_for,
        submitted_at=now - timedelta(minutes=minutes_ago),
        decided_at=now if decided else None,
        reference=f"AIF-FL-{minutes_ago:05d}",
    )


@pytest.fixture
def cutoff():
    cutoff = CutOffFactory(
        call=CallFactory(mode=AccessMode.FAST_LANE), at=timezone.now() - timedelta(days=1)
    )
    _proposal(cutoff, minutes_ago=50, status=ProposalStatus.SUBMITTED, waiting_on=W.ELIGIBILITY)
    _proposal(
        cutoff,
        minutes_ago=40,
        status=ProposalStatus.IN_REVIEW,
        waiting_on=W.ASSESSMENT_OVERDUE,
        waiting_for="CSC (overdue)",
    )
    _proposal(
        cutoff,
        minutes_ago=30,
        status=ProposalStatus.ELIGIBLE,
        waiting_on=W.ASSESSMENT,
        waiting_for="BSC",
    )
    _proposal(cutoff, minutes_ago=20, status=ProposalStatus.IN_REVIEW, waiting_on=W.DECISION)
    _proposal(
        cutoff,
        minutes_ago=10,
        status=ProposalStatus.WAITLISTED,
        waiting_on=W.DECIDED,
        decided=True,
    )
    cutoff_counts_rebuild(cutoff=cutoff)  # built directly: the kept figures are rebuilt
    return cutoff


def _url(cutoff, query=""):
    return f"/api/v1/cutoffs/{cutoff.pk}/proposals/{query}"


def test_an_officer_lists_a_cutoffs_proposals_in_submission_order(cutoff):
    body = _api(ProgrammeOfficerFactory()).get(_url(cutoff)).json()
    rows = body["results"]
    assert [r["reference"] for r in rows] == [
        "AIF-FL-00050",
        "AIF-FL-00040",
        "AIF-FL-00030",
        "AIF-FL-00020",
        "AIF-FL-00010",
    ]
    assert set(rows[0]) == {
        "id",
        "reference",
        "title",
        "organisation",
        "country",
        "status",
        "waiting_on",
        "waiting_for",
        "submitted_at",
        "time_to_access",
    }
    assert rows[1]["waiting_on"] == "assessment_overdue"
    assert rows[1]["waiting_for"] == "CSC (overdue)"
    # Fast Lane promises 4 working days from submission: an hour ago leaves 4 or 3 of them.
    clock = rows[0]["time_to_access"]
    assert clock["promised_working_days"] == 4
    assert clock["state"] in ("running", "due")
    assert clock["working_days_left"] in (3, 4) and clock["overdue_by_working_days"] is None
    assert rows[4]["time_to_access"]["state"] == "decided_in_time"


@pytest.mark.parametrize(
    ("waiting_on", "references"),
    [
        ("eligibility", ["AIF-FL-00050"]),
        ("assessment", ["AIF-FL-00030"]),
        ("overdue", ["AIF-FL-00040"]),
        ("decision", ["AIF-FL-00020"]),
        ("decided", ["AIF-FL-00010"]),
    ],
)
def test_the_list_filters_by_what_proposals_wait_on(cutoff, waiting_on, references):
    body = _api(ProgrammeOfficerFactory()).get(_url(cutoff, f"?waiting_on={waiting_on}")).json()
    assert [r["reference"] for r in body["results"]] == references


def test_an_unknown_filter_is_a_clear_400(cutoff):
    response = _api(ProgrammeOfficerFactory()).get(_url(cutoff, "?waiting_on=everyone"))
    assert response.status_code == 400
    assert "waiting_on" in response.json()


def test_pages_follow_by_cursor_in_submission_order(cutoff, monkeypatch):
    from applications.api.officer import SubmissionOrderPagination

    monkeypatch.setattr(SubmissionOrderPagination, "page_size", 2)
    client = _api(ProgrammeOfficerFactory())
    seen, url = [], _url(cutoff)
    while url:
        body = client.get(url).json()
        seen += [r["reference"] for r in body["results"]]
        url = body["next"]
    assert seen == sorted(seen, reverse=True)  # oldest (largest minutes ago) first
    assert len(seen) == 5


def test_a_page_of_the_list_costs_the_same_for_1_and_50_proposals():
    cutoff = CutOffFactory()
    _proposal(cutoff, minutes_ago=1, status=ProposalStatus.SUBMITTED, waiting_on=W.ELIGIBILITY)
    client = _api(ProgrammeOfficerFactory())
    client.get(_url(cutoff))
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(_url(cutoff)).json()["results"]) == 1
    for minutes in range(2, 51):
        _proposal(
            cutoff, minutes_ago=minutes, status=ProposalStatus.SUBMITTED, waiting_on=W.ELIGIBILITY
        )
    with CaptureQueriesContext(connection) as fifty:
        assert len(client.get(_url(cutoff)).json()["results"]) == 50
    assert len(fifty) == len(one)


def test_the_workspace_counts_per_call_and_cutoff(cutoff):
    body = _api(ProgrammeOfficerFactory()).get("/api/v1/workspace/").json()
    (call,) = [c for c in body["calls"] if c["id"] == cutoff.call_id]
    (work,) = call["cutoffs"]
    assert work["id"] == cutoff.pk and work["is_past"] is True
    assert {k: work[k] for k in ("eligibility", "assessment", "assessment_overdue")} == {
        "eligibility": 1,
        "assessment": 1,
        "assessment_overdue": 1,
    }
    assert (work["decision"], work["decided"], work["waitlisted"]) == (1, 1, 1)
    assert call["mode"] == "fast_lane"


def _applicant():
    user = UserFactory()
    MembershipFactory(user=user)
    return user


PEOPLE = {
    "applicant": _applicant,
    "assessor": lambda: CentreMembershipFactory().user,
    "centre administrator": lambda: CentreMembershipFactory(administrator=True).user,
    "reviewer": ReviewerFactory,
    "superuser not officer": lambda: get_user_model().objects.create_superuser(
        email="root@example.org", password="x" * 16
    ),
}


@pytest.mark.parametrize("who", list(PEOPLE))
def test_nobody_but_officers_reads_the_workspace_lists(cutoff, who):
    client = _api(PEOPLE[who]())
    assert client.get("/api/v1/workspace/").status_code == 403
    assert client.get(_url(cutoff)).status_code == 404
    assert client.get(_url(cutoff, "?waiting_on=eligibility")).status_code == 404


def test_anonymous_callers_are_told_to_authenticate(cutoff):
    assert APIClient().get("/api/v1/workspace/").status_code == 401
    assert APIClient().get(_url(cutoff)).status_code == 401


def test_a_missing_cutoff_is_a_404_for_officers_too():
    assert (
        _api(ProgrammeOfficerFactory()).get("/api/v1/cutoffs/999999/proposals/").status_code == 404
    )
