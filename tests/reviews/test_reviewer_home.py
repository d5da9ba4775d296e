"""The reviewer's page says plainly what exists (pools, terms, conflicts) and what comes later
(assignments, scoring), from real data only; each role's
navigation holds what that role can use (staff see no applicant items they cannot use)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from applications.modes import AccessMode
from tests.factories import (
    CallFactory,
    CentreMembershipFactory,
    CutOffFactory,
    MembershipFactory,
    ProgrammeOfficerFactory,
    ReviewerFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
URL = "/evaluation/reviews/"


@pytest.fixture(autouse=True)
def _staff_without_totp(settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False


def _menu(client) -> list[str]:
    html = client.get(reverse("home")).content.decode()
    nav = re.search(r'<nav[^>]*aria-label="Main navigation".*?</nav>', html, re.S).group(0)
    return re.findall(r'class="nav-link" href="[^"]*">([^<]+)</a>', nav)


def test_the_reviewer_page_names_what_exists_what_will_come_and_the_peer_reviewed_calls(client):
    assert reverse("reviews:reviewer_home") == URL
    large = CallFactory(mode=AccessMode.LARGE_SCALE, title="Large Scale 2027")
    CutOffFactory(call=large)
    CallFactory(mode=AccessMode.FAST_LANE, title="Fast Lane 2027")
    CallFactory(mode=AccessMode.LARGE_SCALE, title="Unpublished LS", is_published=False)
    client.force_login(ReviewerFactory())
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing is assigned to you yet." in page
    for promise in ("Proposals to score", "Deadlines", "Proposals to check for conflicts"):
        assert promise in page
    assert "You are in no call's reviewer pool" in page
    assert "Large Scale 2027" in page and "Next cut-off" in page
    assert "Fast Lane 2027" not in page and "Unpublished LS" not in page


def test_without_a_peer_reviewed_call_the_page_says_so(client):
    client.force_login(ReviewerFactory())
    assert "No peer-reviewed call is published" in client.get(URL).content.decode()


def test_only_reviewers_reach_the_page(client):
    for user in (
        UserFactory(),
        ProgrammeOfficerFactory(),
        CentreMembershipFactory().user,
        UserFactory(is_superuser=True, is_staff=True),
    ):
        client.force_login(user)
        assert client.get(URL).status_code == 404


def test_each_role_sees_its_own_menu(client):
    reviewer = ReviewerFactory()
    client.force_login(reviewer)
    assert _menu(client) == ["Open calls", "Reviews"]
    client.force_login(ProgrammeOfficerFactory())
    assert "My proposals" not in _menu(client)
    client.force_login(CentreMembershipFactory().user)
    assert _menu(client) == ["Open calls", "Assessments", "Centres"]
    client.force_login(UserFactory())
    assert _menu(client) == ["Open calls", "My proposals"]
    # A reviewer who also works for an applying company keeps their proposals.
    MembershipFactory(user=reviewer)
    client.force_login(reviewer)
    assert _menu(client) == ["Open calls", "My proposals", "Reviews"]
