"""The user's own proposals in the API: create, edit while draft, submit, withdraw, and the
resource requests, with the same permissions and validation as the pages."""

import datetime

import pytest
import time_machine
from django.core.cache.backends.locmem import LocMemCache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from applications.models import Proposal, ProposalStatus, ResourceRequest
from applications.modes import AccessMode
from tests.factories import (
    CallFactory,
    CallPartitionFactory,
    CutOffFactory,
    MembershipFactory,
    OrganisationFactory,
    ProposalFactory,
    ResourceRequestFactory,
    SubmittableProposalFactory,
    UserFactory,
    advance,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttle_counters(monkeypatch):
    # Each test counts its own requests (the shared cache may be Redis, used by other tests too).
    counters = LocMemCache("api-throttle-tests", {})
    counters.clear()
    monkeypatch.setattr(SimpleRateThrottle, "cache", counters)


def member_of(organisation, **kwargs):
    return MembershipFactory(organisation=organisation, **kwargs).user


def api_for(user) -> APIClient:
    """A client authenticated the way a script is: with the user's token."""
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def complete_draft(**kwargs) -> Proposal:
    """A Fast Lane draft with every section filled in and one request within the limits; its
    creator is a member of the organisation and the PI."""
    return SubmittableProposalFactory(**kwargs)


def snapshot(proposal) -> tuple:
    proposal.refresh_from_db()
    return (
        proposal.status,
        proposal.version,
        proposal.title,
        proposal.withdrawal_reason,
        sorted(proposal.requests.values_list("pk", "hours")),
    )


# --- authentication ------------------------------------------------------------------------------


def test_anonymous_cannot_list_or_create_proposals():
    client = APIClient()
    response = client.get("/api/v1/proposals/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert client.post("/api/v1/proposals/", {}).status_code == 401


def test_token_authentication_lists_only_own_organisation_proposals():
    mine = ProposalFactory()
    ProposalFactory()  # another organisation's
    user = member_of(mine.organisation)
    response = api_for(user).get("/api/v1/proposals/")
    assert response.status_code == 200
    body = response.json()
    assert [p["id"] for p in body["results"]] == [mine.pk]
    assert body["next"] is None


def test_wrong_token_is_refused():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get("/api/v1/proposals/").status_code == 401


def test_session_authentication_needs_csrf_for_writes():
    proposal = ProposalFactory()
    user = member_of(proposal.organisation)
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.get(f"/api/v1/proposals/{proposal.pk}/").status_code == 200
    response = client.patch(
        f"/api/v1/proposals/{proposal.pk}/", {"title": "New", "version": 1}, format="json"
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    proposal.refresh_from_db()
    assert proposal.title != "New"


# --- someone else's proposal is a 404 ------------------------------------------------------------


def test_member_of_another_organisation_gets_404_everywhere():
    proposal = complete_draft()
    request = proposal.requests.get()
    before = snapshot(proposal)
    outsider = member_of(OrganisationFactory())
    api = api_for(outsider)
    base = f"/api/v1/proposals/{proposal.pk}"

    responses = [
        api.get(f"{base}/"),
        api.patch(f"{base}/", {"title": "Hijacked", "version": proposal.version}, format="json"),
        api.post(f"{base}/submit/"),
        api.post(f"{base}/withdraw/", {"reason": "Because"}, format="json"),
        api.get(f"{base}/requests/"),
        api.get(f"{base}/requests/{request.pk}/"),
        api.post(
            f"{base}/requests/",
            {
                "offered_partition": request.offered_partition_id,
                "hours": 20000,
                "job_size": 8,
                "duration_months": 3,
            },
            format="json",
        ),
        api.patch(f"{base}/requests/{request.pk}/", {"hours": 30000, "version": 1}, format="json"),
        api.delete(f"{base}/requests/{request.pk}/"),
    ]

    assert [r.status_code for r in responses] == [404] * len(responses)
    assert snapshot(proposal) == before


def test_request_of_another_proposal_is_not_reachable_through_mine():
    mine = complete_draft()
    user = mine.pi
    theirs = complete_draft()
    other_request = theirs.requests.get()
    api = api_for(user)
    url = f"/api/v1/proposals/{mine.pk}/requests/{other_request.pk}/"
    assert api.get(url).status_code == 404
    assert api.delete(url).status_code == 404
    assert ResourceRequest.objects.filter(pk=other_request.pk).exists()


# --- create --------------------------------------------------------------------------------------


def test_member_creates_a_draft_for_their_organisation():
    organisation = OrganisationFactory()
    user = member_of(organisation)
    cutoff = CutOffFactory()
    response = api_for(user).post(
        "/api/v1/proposals/",
        {"call": cutoff.call.slug, "organisation": organisation.pk},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "draft"
    assert body["version"] == 1
    assert body["call"] == cutoff.call.slug
    assert body["organisation"] == {"id": organisation.pk, "legal_name": organisation.legal_name}
    assert body["cutoff_at"] == cutoff.at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    proposal = Proposal.objects.get(pk=body["id"])
    assert proposal.pi == user


def test_cannot_create_for_an_organisation_one_is_not_a_member_of():
    user = member_of(OrganisationFactory())
    other = OrganisationFactory()
    cutoff = CutOffFactory()
    response = api_for(user).post(
        "/api/v1/proposals/", {"call": cutoff.call.slug, "organisation": other.pk}, format="json"
    )
    assert response.status_code == 400
    assert "organisation" in response.json()
    assert not Proposal.objects.exists()


def test_cannot_create_for_an_unpublished_call():
    organisation = OrganisationFactory()
    user = member_of(organisation)
    cutoff = CutOffFactory(call=CallFactory(is_published=False))
    response = api_for(user).post(
        "/api/v1/proposals/", {"call": cutoff.call.slug, "organisation": organisation.pk}
    )
    assert response.status_code == 400
    assert "call" in response.json()


def test_second_open_proposal_for_the_same_cutoff_is_refused_with_a_reason():
    proposal = ProposalFactory()
    user = member_of(proposal.organisation)
    response = api_for(user).post(
        "/api/v1/proposals/",
        {"call": proposal.call.slug, "organisation": proposal.organisation_id},
        format="json",
    )
    assert response.status_code == 400
    assert "one proposal per organisation per cut-off" in response.json()["organisation"][0]


# --- edit while draft ----------------------------------------------------------------------------


def test_partial_update_of_a_draft_bumps_the_version():
    proposal = ProposalFactory()
    user = member_of(proposal.organisation)
    response = api_for(user).patch(
        f"/api/v1/proposals/{proposal.pk}/",
        {"title": "Multilingual foundation model", "parameters": 7_000_000_000, "version": 1},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["title"] == "Multilingual foundation model"
    assert body["parameters"] == 7_000_000_000
    assert body["version"] == 2
    assert body["last_edited_by"]["id"] == user.pk


def test_partial_update_requires_the_version():
    proposal = ProposalFactory()
    user = member_of(proposal.organisation)
    response = api_for(user).patch(
        f"/api/v1/proposals/{proposal.pk}/", {"title": "No version"}, format="json"
    )
    assert response.status_code == 400
    assert "version" in response.json()
    proposal.refresh_from_db()
    assert proposal.title != "No version"


def test_stale_version_is_a_conflict_naming_who_saved_and_when():
    proposal = ProposalFactory()
    alice = member_of(proposal.organisation, user=UserFactory(first_name="Alice", last_name="Ng"))
    bob = member_of(proposal.organisation)
    url = f"/api/v1/proposals/{proposal.pk}/"
    assert (
        api_for(alice).patch(url, {"title": "Alice's title", "version": 1}, format="json")
    ).status_code == 200

    response = api_for(bob).patch(url, {"title": "Bob's title", "version": 1}, format="json")

    assert response.status_code == 409
    body = response.json()
    assert body["current_version"] == 2
    assert body["changed_by"] == "Alice Ng"
    assert body["changed_at"].endswith("Z")
    assert "Alice Ng" in body["detail"]
    proposal.refresh_from_db()
    assert proposal.title == "Alice's title"


def test_invalid_field_values_are_field_errors():
    proposal = ProposalFactory()
    user = member_of(proposal.organisation)
    response = api_for(user).patch(
        f"/api/v1/proposals/{proposal.pk}/",
        {"training_share_percent": 150, "acronym": "has spaces", "version": 1},
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert "training_share_percent" in body
    assert "acronym" in body or "training_share_percent" in body


def test_abstract_longer_than_the_call_allows_is_refused():
    proposal = ProposalFactory(call=CallFactory(abstract_max_chars=100))
    user = member_of(proposal.organisation)
    response = api_for(user).patch(
        f"/api/v1/proposals/{proposal.pk}/", {"abstract": "x" * 101, "version": 1}, format="json"
    )
    assert response.status_code == 400
    assert "100" in response.json()["abstract"][0]


def test_submitted_proposal_cannot_be_edited_through_the_api():
    proposal = advance(complete_draft(), to=ProposalStatus.SUBMITTED)
    request = proposal.requests.get()
    before = snapshot(proposal)
    api = api_for(proposal.pi)
    base = f"/api/v1/proposals/{proposal.pk}"

    edit = api.patch(f"{base}/", {"title": "Changed", "version": proposal.version}, format="json")
    add = api.post(
        f"{base}/requests/",
        {
            "offered_partition": request.offered_partition_id,
            "hours": 10000,
            "job_size": 8,
            "duration_months": 3,
        },
        format="json",
    )
    change = api.patch(
        f"{base}/requests/{request.pk}/", {"hours": 30000, "version": 1}, format="json"
    )
    remove = api.delete(f"{base}/requests/{request.pk}/")

    assert [r.status_code for r in (edit, add, change, remove)] == [403] * 4
    assert "submitted" in edit.json()["detail"]
    assert snapshot(proposal) == before
    # ...but its owner can still read it.
    assert api.get(f"{base}/").json()["reference"] == proposal.reference


# --- resource requests ---------------------------------------------------------------------------


@pytest.fixture
def draft_with_offer():
    call = CallFactory(mode=AccessMode.FAST_LANE)
    offered = CallPartitionFactory(call=call)  # Fast Lane: 10,000-50,000 GPU-hours
    proposal = ProposalFactory(cutoff=CutOffFactory(call=call))
    user = member_of(proposal.organisation)
    return proposal, offered, api_for(user)


def request_body(offered, **overrides):
    body = {
        "offered_partition": offered.pk,
        "hours": 20000,
        "job_size": 64,
        "storage_tb": "10.00",
        "duration_months": 3,
        "justification": "Pre-training on 64 GPUs.",
    }
    body.update(overrides)
    return body


def test_add_change_and_remove_a_resource_request(draft_with_offer):
    proposal, offered, api = draft_with_offer
    url = f"/api/v1/proposals/{proposal.pk}/requests/"

    created = api.post(url, request_body(offered), format="json")
    assert created.status_code == 201, created.json()
    request_id = created.json()["id"]
    assert created.json()["hours"] == 20000
    assert created.json()["unit"] == "gpu_hours"

    assert created.json()["version"] == 1
    changed = api.patch(f"{url}{request_id}/", {"hours": 30000, "version": 1}, format="json")
    assert changed.status_code == 200, changed.json()
    assert changed.json()["hours"] == 30000
    assert changed.json()["job_size"] == 64  # untouched fields kept
    assert changed.json()["version"] == 2

    listed = api.get(url).json()
    assert [r["id"] for r in listed] == [request_id]
    assert api.get(f"/api/v1/proposals/{proposal.pk}/").json()["requests"][0]["hours"] == 30000

    assert api.delete(f"{url}{request_id}/").status_code == 204
    assert not proposal.requests.exists()


def test_a_stale_request_change_gets_409_naming_the_teammate(draft_with_offer):
    proposal, offered, api = draft_with_offer
    url = f"/api/v1/proposals/{proposal.pk}/requests/"
    request_id = api.post(url, request_body(offered), format="json").json()["id"]
    teammate = member_of(proposal.organisation, user__first_name="Bea", user__last_name="Tensor")
    first = api_for(teammate).patch(
        f"{url}{request_id}/", {"hours": 45000, "version": 1}, format="json"
    )
    assert first.status_code == 200

    stale = api.patch(f"{url}{request_id}/", {"hours": 15000, "version": 1}, format="json")
    assert stale.status_code == 409
    body = stale.json()
    assert body["current_version"] == 2
    assert body["changed_by"] == "Bea Tensor"
    assert "Bea Tensor saved the request for" in body["detail"]
    assert ResourceRequest.objects.get(pk=request_id).hours == 45000

    missing = api.patch(f"{url}{request_id}/", {"hours": 15000}, format="json")
    assert missing.status_code == 400
    assert missing.json() == {"version": ["This field is required."]}


def test_a_draft_request_may_leave_the_justification_for_later(draft_with_offer):
    proposal, offered, api = draft_with_offer
    body = request_body(offered)
    del body["justification"], body["storage_tb"]
    response = api.post(f"/api/v1/proposals/{proposal.pk}/requests/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["justification"] == ""


def test_hours_below_the_minimum_is_a_field_error(draft_with_offer):
    proposal, offered, api = draft_with_offer
    response = api.post(
        f"/api/v1/proposals/{proposal.pk}/requests/",
        request_body(offered, hours=5000),
        format="json",
    )
    assert response.status_code == 400
    assert "below the minimum of 10,000" in response.json()["hours"][0]
    assert not proposal.requests.exists()


def test_hours_above_the_maximum_and_bad_duration_are_field_errors(draft_with_offer):
    proposal, offered, api = draft_with_offer
    response = api.post(
        f"/api/v1/proposals/{proposal.pk}/requests/",
        request_body(offered, hours=60000, duration_months=12),
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert "above the maximum" in body["hours"][0]
    assert "duration_months" in body


def test_partition_not_offered_by_the_call_is_refused(draft_with_offer):
    proposal, _, api = draft_with_offer
    elsewhere = CallPartitionFactory()  # offered by another call
    response = api.post(
        f"/api/v1/proposals/{proposal.pk}/requests/", request_body(elsewhere), format="json"
    )
    assert response.status_code == 400
    assert "not offered" in response.json()["offered_partition"][0]


def test_non_numeric_hours_is_a_field_error(draft_with_offer):
    proposal, offered, api = draft_with_offer
    response = api.post(
        f"/api/v1/proposals/{proposal.pk}/requests/",
        request_body(offered, hours="lots"),
        format="json",
    )
    assert response.status_code == 400
    assert "hours" in response.json()


# --- submit and withdraw -------------------------------------------------------------------------


def test_submit_a_complete_draft():
    proposal = complete_draft()
    response = api_for(proposal.pi).post(f"/api/v1/proposals/{proposal.pk}/submit/")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "submitted"
    assert body["reference"].startswith("AIF-FL-")
    assert body["submitted_at"].endswith("Z")


def test_submit_an_incomplete_draft_lists_what_is_missing():
    proposal = ProposalFactory(title="")
    user = member_of(proposal.organisation)
    response = api_for(user).post(f"/api/v1/proposals/{proposal.pk}/submit/")
    assert response.status_code == 400
    body = response.json()
    assert "title" in body
    assert "requests" in body
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.DRAFT


def test_submit_one_second_after_the_cutoff_is_refused():
    proposal = complete_draft()
    after = proposal.cutoff.at + datetime.timedelta(seconds=1)
    with time_machine.travel(after, tick=False):
        response = api_for(proposal.pi).post(f"/api/v1/proposals/{proposal.pk}/submit/")
    assert response.status_code == 400
    assert "has passed" in response.json()["cutoff"][0]
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.DRAFT
    assert proposal.reference is None


def test_submit_one_second_before_the_cutoff_is_accepted():
    proposal = complete_draft()
    before = proposal.cutoff.at - datetime.timedelta(seconds=1)
    with time_machine.travel(before, tick=False):
        response = api_for(proposal.pi).post(f"/api/v1/proposals/{proposal.pk}/submit/")
    assert response.status_code == 200, response.json()


def test_submitted_proposal_cannot_be_submitted_again():
    proposal = advance(complete_draft(), to=ProposalStatus.SUBMITTED)
    response = api_for(proposal.pi).post(f"/api/v1/proposals/{proposal.pk}/submit/")
    assert response.status_code == 403


def test_withdraw_needs_a_reason():
    proposal = advance(complete_draft(), to=ProposalStatus.SUBMITTED)
    api = api_for(proposal.pi)
    url = f"/api/v1/proposals/{proposal.pk}/withdraw/"

    missing = api.post(url, {"reason": "  "}, format="json")
    assert missing.status_code == 400
    assert "reason" in missing.json()
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.SUBMITTED

    done = api.post(url, {"reason": "We found compute elsewhere."}, format="json")
    assert done.status_code == 200, done.json()
    assert done.json()["status"] == "withdrawn"
    assert done.json()["withdrawal_reason"] == "We found compute elsewhere."


# --- list performance ----------------------------------------------------------------------------


def test_proposal_list_query_count_does_not_grow_with_proposals(assert_queries_constant):
    organisation = OrganisationFactory()
    user = member_of(organisation)
    api = api_for(user)

    def add_proposal():
        proposal = ProposalFactory(organisation=organisation, last_edited_by=user)
        ResourceRequestFactory(proposal=proposal)

    def listed() -> int:
        return len(api.get("/api/v1/proposals/").json()["results"])

    add_proposal()
    assert listed() == 1
    assert_queries_constant(listed, grow=lambda: [add_proposal() for _ in range(54)], at_most=8)
    assert listed() == 50


def test_proposal_list_is_slim_and_links_to_each_proposal():
    proposal = complete_draft()
    api = api_for(proposal.pi)
    row = api.get("/api/v1/proposals/").json()["results"][0]
    assert row["id"] == proposal.pk
    assert row["url"].endswith(f"/api/v1/proposals/{proposal.pk}/")
    assert row["title"] == proposal.title and row["organisation"]["id"] == proposal.organisation_id
    # The texts and the requests are on the proposal itself, not in the list.
    for heavy in ("abstract", "ai_plan", "requests", "expected_impact", "withdrawal_reason"):
        assert heavy not in row
    detail = api.get(row["url"]).json()
    assert detail["abstract"] == proposal.abstract and len(detail["requests"]) == 1


def test_proposal_list_pages_by_cursor_most_recent_first():
    organisation = OrganisationFactory()
    user = member_of(organisation)
    proposals = ProposalFactory.create_batch(52, organisation=organisation, team=False)
    api = api_for(user)
    first = api.get("/api/v1/proposals/").json()
    assert "count" not in first  # never counted
    second = api.get(first["next"]).json()
    seen = [p["id"] for p in first["results"] + second["results"]]
    expected = sorted(proposals, key=lambda p: (p.updated_at, p.pk), reverse=True)
    assert seen == [p.pk for p in expected]
    assert second["next"] is None and second["previous"]
