"""The officer's decision pages and API: what they show, how they keep what was typed, who is
refused, and the cut-off list's query count (the same for 1 and 50 proposals)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from allocations.models import Allocation
from applications.models import Proposal, ProposalStatus
from tests.factories import (
    CentreMembershipFactory,
    ProgrammeOfficerFactory,
    ReviewerFactory,
    UserFactory,
)
from tests.factories.portal import give_totp
from tests.reviews.decision_world import PANEL_SECRET, TO_APPLICANT, fcfs_cutoff, ready_proposal

pytestmark = pytest.mark.django_db


def page_url(proposal):
    return reverse("reviews:decision_proposal", kwargs={"pk": proposal.pk})


def cutoff_url(cutoff):
    return reverse("reviews:decision_cutoff", kwargs={"pk": cutoff.pk})


def api_url(proposal):
    return f"/api/v1/proposals/{proposal.pk}/decision/"


@pytest.fixture
def officer():
    return ProgrammeOfficerFactory()


@pytest.fixture
def world():
    cutoff, links = fcfs_cutoff(pool_hours=Decimal(30_000))
    proposal = ready_proposal(cutoff, links, recommended=18_000)
    return cutoff, links, proposal


def test_the_decision_page_shows_requests_assessments_pool_and_prefilled_hours(
    client, officer, world
):
    cutoff, links, proposal = world
    client.force_login(officer)
    page = client.get(page_url(proposal)).content.decode()
    request = proposal.requests.get()
    assert "20,000" in page and "18,000" in page  # requested, recommended
    assert TO_APPLICANT in page and PANEL_SECRET in page  # both comments, for the officer
    assert "30,000 GPU-hours free" in page  # the pool's free hours
    assert f'name="hours_{request.pk}"' in page and 'value="18000"' in page
    assert f'name="override_{request.pk}"' in page
    for action in ("award", "waitlist", "reject"):
        assert f'value="{action}"' in page


def test_an_award_from_the_page_reserves_and_returns_to_the_cutoff(client, officer, world):
    cutoff, links, proposal = world
    request = proposal.requests.get()
    client.force_login(officer)
    response = client.post(page_url(proposal), {"action": "award", f"hours_{request.pk}": "18000"})
    assert response.status_code == 302 and response.url == cutoff_url(cutoff)
    assert Allocation.objects.get().hours == 18_000
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.AWARDED


def test_errors_keep_what_the_officer_typed(client, officer, world):
    cutoff, links, proposal = world
    request = proposal.requests.get()
    client.force_login(officer)
    response = client.post(
        page_url(proposal),
        {"action": "award", f"hours_{request.pk}": "19500", f"override_{request.pk}": ""},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'value="19500"' in page
    assert "more than the 18,000 the centre recommends" in page
    response = client.post(page_url(proposal), {"action": "reject", "reason": ""})
    assert response.status_code == 400
    assert "Give the reason the applicant will read" in response.content.decode()
    response = client.post(
        page_url(proposal),
        {"action": "award", f"hours_{request.pk}": "20000", f"override_{request.pk}": "Agreed."},
    )
    assert response.status_code == 302
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.AWARDED


def test_not_enough_hours_is_shown_on_the_page_with_the_pool(client, officer, world):
    cutoff, links, proposal = world
    other = ready_proposal(cutoff, links, hours=(Decimal(20_000),))
    client.force_login(officer)
    other_request = other.requests.get()
    client.post(page_url(other), {"action": "award", f"hours_{other_request.pk}": "20000"})
    request = proposal.requests.get()
    response = client.post(page_url(proposal), {"action": "award", f"hours_{request.pk}": "18000"})
    assert response.status_code == 400
    assert "Not enough hours left in Spring pool A" in response.content.decode()
    assert Allocation.objects.count() == 1


def _people(links, proposal):
    return {
        "applicant": proposal.created_by,
        "assessor": CentreMembershipFactory(
            centre=links[0].offered_partition.partition.centre
        ).user,
        "reviewer": ReviewerFactory(),
        "superuser": _superuser(),
    }


def _superuser():
    user = UserFactory(is_superuser=True, is_staff=True)
    give_totp(user)
    return user


@pytest.mark.parametrize("who", ["applicant", "assessor", "reviewer", "superuser"])
def test_others_are_refused_on_pages_and_api(client, world, who):
    cutoff, links, proposal = world
    person = _people(links, proposal)[who]
    client.force_login(person)
    assert client.get(page_url(proposal)).status_code == 404
    assert client.get(cutoff_url(cutoff)).status_code == 404
    request = proposal.requests.get()
    assert (
        client.post(page_url(proposal), {"action": "award", f"hours_{request.pk}": "1"}).status_code
        == 404
    )
    api = APIClient()
    api.force_authenticate(person)
    response = api.post(
        api_url(proposal), {"action": "award", "hours": {str(request.pk): 1000}}, format="json"
    )
    assert response.status_code in (403, 404)
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.IN_REVIEW
    assert not Allocation.objects.exists()


def test_the_api_decides_with_field_errors_and_a_conflict_when_hours_run_out(officer, world):
    cutoff, links, proposal = world
    request = proposal.requests.get()
    api = APIClient()
    api.force_authenticate(officer)
    bad = api.post(
        api_url(proposal),
        {"action": "award", "hours": {str(request.pk): 19_000}, "reason": "x" * 2001},
        format="json",
    )
    assert bad.status_code == 400 and "reason" in bad.json()
    over = api.post(api_url(proposal), {"action": "award", "hours": {str(request.pk): 19_000}},
                    format="json")  # fmt: skip
    assert over.status_code == 400
    assert "recommends" in over.json()["overrides"][str(request.pk)][0]
    other = ready_proposal(cutoff, links, hours=(Decimal(20_000),))
    done = api.post(
        api_url(other), {"action": "award", "hours": {other.requests.get().pk: 20_000}},
        format="json",
    )  # fmt: skip
    assert done.status_code == 200, done.json()
    assert done.json()["status"] == "awarded" and done.json()["reserved"][0]["hours"] == 20_000
    short = api.post(
        api_url(proposal), {"action": "award", "hours": {str(request.pk): 18_000}}, format="json"
    )
    assert short.status_code == 409
    assert short.json()["code"] == "not_enough_hours"
    assert "Spring pool A" in short.json()["detail"]
    rejected = api.post(api_url(proposal), {"action": "reject", "reason": "No room."},
                        format="json")  # fmt: skip
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    again = api.post(api_url(proposal), {"action": "waitlist"}, format="json")
    assert again.status_code == 400


def test_the_cutoff_page_lists_ready_proposals_in_submission_order(client, officer):
    cutoff, links = fcfs_cutoff(pool_hours=Decimal(100_000))
    proposals = [ready_proposal(cutoff, links, recommended=15_000) for _ in range(3)]
    waiting = ready_proposal(cutoff, links, assess=False)
    client.force_login(officer)
    page = client.get(cutoff_url(cutoff)).content.decode()
    positions = [page.index(p.reference) for p in proposals]
    assert positions == sorted(positions)
    assert "15,000" in page and "20,000" in page
    assert waiting.reference in page.split('id="assessing"')[1]


def test_the_officer_cutoff_page_links_to_the_decisions(client, officer, world):
    cutoff, links, proposal = world
    client.force_login(officer)
    page = client.get(reverse("applications:officer_cutoff", kwargs={"pk": cutoff.pk}))
    assert cutoff_url(cutoff) in page.content.decode()


def test_the_cutoff_page_takes_the_same_queries_for_1_and_50_proposals(
    client, officer, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reviews.services.decisions import proposal_waitlist

    cutoff, links = fcfs_cutoff(pool_hours=Decimal(10_000_000))
    ready_proposal(cutoff, links)
    proposal_waitlist(proposal=ready_proposal(cutoff, links), by=officer)
    ready_proposal(cutoff, links, assess=False)
    client.force_login(officer)
    client.get(cutoff_url(cutoff))  # the session's first request reads more
    with CaptureQueriesContext(connection) as one:
        assert client.get(cutoff_url(cutoff)).status_code == 200
    for n in range(49):
        proposal = ready_proposal(cutoff, links, assess=n % 5 != 2)
        if n % 5 == 1:
            proposal_waitlist(proposal=proposal, by=officer)
    with django_assert_num_queries(len(one.captured_queries)):
        page = client.get(cutoff_url(cutoff))
    assert page.content.decode().count("Now fits in the free hours") == 11


def test_the_decision_page_takes_the_same_queries_for_1_and_3_requests(client, officer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cutoff, links = fcfs_cutoff(partitions=3)
    one = ready_proposal(cutoff, links[:1])
    three = ready_proposal(cutoff, links, hours=(Decimal(20_000),) * 3)
    client.force_login(officer)
    client.get(page_url(one))
    with CaptureQueriesContext(connection) as first:
        assert client.get(page_url(one)).status_code == 200
    with CaptureQueriesContext(connection) as more:
        page = client.get(page_url(three))
    assert page.content.decode().count('name="hours_') == 3
    assert len(more.captured_queries) == len(first.captured_queries)


def test_the_decision_buttons_wait_for_every_centres_assessment(client, officer):
    cutoff, links = fcfs_cutoff(pool_hours=Decimal(30_000))
    waiting = ready_proposal(cutoff, links, assess=False)
    client.force_login(officer)
    page = client.get(page_url(waiting)).content.decode()
    assert 'id="assessments-waiting"' in page
    for action in ("award", "waitlist", "reject"):
        assert f'value="{action}" disabled aria-describedby="assessments-waiting"' in page
    ready = ready_proposal(cutoff, links)
    page = client.get(page_url(ready)).content.decode()
    assert 'id="assessments-waiting"' not in page and " disabled" not in page
