"""Hostile input to the API: deeply nested JSON, the NUL character, oversized values and broken
optimistic-lock versions on every writable field answer 400 naming the field (413 for a body too
large to read), and change nothing. Never a 500: PostgreSQL refuses NUL in text and jsonb, and
Python's JSON parser recurses once per nesting level."""

from __future__ import annotations

import json

import pytest
from django.core.cache.backends.locmem import LocMemCache
from rest_framework import serializers
from rest_framework.throttling import SimpleRateThrottle

from applications.api.proposals import (
    ProposalCreateSerializer,
    ProposalUpdateSerializer,
    ResourceRequestSerializer,
    WithdrawSerializer,
)
from applications.models import ProposalStatus
from portal.parsers import MAX_JSON_DEPTH
from tests.applications.test_api_proposals import api_for, complete_draft, snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttle_counters(monkeypatch):
    counters = LocMemCache("api-hostile-input-tests", {})
    counters.clear()
    monkeypatch.setattr(SimpleRateThrottle, "cache", counters)


def writable_fields(serializer_class) -> dict[str, serializers.Field]:
    """The fields a client may send, read from the serializer itself so a field added later is
    covered too."""
    return {name: f for name, f in serializer_class().fields.items() if not f.read_only}


def hostile_values(field: serializers.Field) -> dict[str, object]:
    """For one field: a NUL, an oversized value and nested values, in the field's own type."""
    if isinstance(field, serializers.DictField):
        return {
            "nul in a value": {"parameters": "7\x00"},
            "nul in a key": {"param\x00eters": "7"},
            "oversized": {"notes": "x" * 100_000},
            "nested": {"a": {"b": {"c": 1}}},
        }
    if isinstance(field, serializers.CharField):
        # Every text a client sends is bounded.
        assert field.max_length is not None, f"{field.field_name} has no size limit"
        return {
            "nul": "before\x00after",
            "oversized": "x" * (field.max_length + 1),
            "nested": [["a"]],
        }
    return {"nul": "1\x00", "oversized": "9" * 5_000, "nested": [[1]]}


def assert_field_refused(response, name: str) -> None:
    assert response.status_code == 400, (name, response.status_code, response.content[:300])
    body = response.json()
    assert name in body, (name, body)
    assert all(isinstance(m, str) and m for m in body[name]), body


# --- the JSON body itself ------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 2_000, 100_000])
def test_a_deeply_nested_body_is_a_400_not_a_recursion_error(depth):
    proposal = complete_draft()
    before = snapshot(proposal)
    response = api_for(proposal.created_by).generic(
        "PATCH", f"/api/v1/proposals/{proposal.pk}/", "[" * depth, content_type="application/json"
    )
    assert response.status_code == 400
    assert f"nested more than {MAX_JSON_DEPTH} levels" in response.json()["detail"]
    assert snapshot(proposal) == before


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 100_000])
def test_a_deeply_nested_field_is_named_in_the_400(depth):
    proposal = complete_draft()
    before = snapshot(proposal)
    nested = "[" * depth + "]" * depth
    body = f'{{"version": {proposal.version}, "title": "ok", "estimator_inputs": {nested}}}'
    response = api_for(proposal.created_by).generic(
        "PATCH", f"/api/v1/proposals/{proposal.pk}/", body, content_type="application/json"
    )
    assert_field_refused(response, "estimator_inputs")
    assert "nested more than" in response.json()["estimator_inputs"][0]
    assert snapshot(proposal) == before


def test_a_body_larger_than_the_limit_is_refused_before_parsing(settings):
    settings.API_JSON_MAX_BYTES = 10_000
    proposal = complete_draft()
    before = snapshot(proposal)
    body = json.dumps({"version": proposal.version, "abstract": "x" * 20_000})
    response = api_for(proposal.created_by).generic(
        "PATCH", f"/api/v1/proposals/{proposal.pk}/", body, content_type="application/json"
    )
    assert response.status_code == 413
    assert "larger than 10,000 bytes" in response.json()["detail"]
    assert snapshot(proposal) == before


def test_broken_json_and_non_json_numbers_are_a_400():
    proposal = complete_draft()
    client = api_for(proposal.created_by)
    url = f"/api/v1/proposals/{proposal.pk}/"
    for body in ['{"title": ', '{"parameters": NaN}', b'{"title": "\xff"}']:
        response = client.generic("PATCH", url, body, content_type="application/json")
        assert response.status_code == 400, body
        assert response.json()["detail"].startswith("JSON parse error")


# --- every writable field ------------------------------------------------------------------------

PROPOSAL_FIELDS = writable_fields(ProposalUpdateSerializer)
REQUEST_FIELDS = writable_fields(ResourceRequestSerializer)


def test_the_field_lists_cover_what_clients_edit():
    # A guard on the parametrisation below: the lists are not empty by accident.
    assert {"title", "abstract", "ai_act_answers", "version"} <= set(PROPOSAL_FIELDS)
    assert {"justification", "estimator_inputs", "hours", "version"} <= set(REQUEST_FIELDS)


@pytest.mark.parametrize(
    ("name", "kind"),
    [(n, k) for n, f in PROPOSAL_FIELDS.items() for k in hostile_values(f)],
)
def test_hostile_values_in_a_proposal_edit_are_refused_by_field(name, kind):
    proposal = complete_draft()
    before = snapshot(proposal)
    value = hostile_values(PROPOSAL_FIELDS[name])[kind]
    body = {"version": proposal.version, name: value}
    response = api_for(proposal.created_by).patch(
        f"/api/v1/proposals/{proposal.pk}/", body, format="json"
    )
    assert_field_refused(response, name)
    assert snapshot(proposal) == before


@pytest.mark.parametrize(
    ("name", "kind"),
    [(n, k) for n, f in REQUEST_FIELDS.items() for k in hostile_values(f)],
)
@pytest.mark.parametrize("method", ["patch", "post"])
def test_hostile_values_in_a_resource_request_are_refused_by_field(name, kind, method):
    proposal = complete_draft()
    resource_request = proposal.requests.get()
    before = snapshot(proposal)
    stored = (resource_request.justification, resource_request.estimator_inputs)
    value = hostile_values(REQUEST_FIELDS[name])[kind]
    client = api_for(proposal.created_by)
    base = f"/api/v1/proposals/{proposal.pk}/requests/"
    if method == "patch":
        body = {"version": resource_request.version, name: value}
        response = client.patch(f"{base}{resource_request.pk}/", body, format="json")
    else:
        body = {
            "offered_partition": resource_request.offered_partition_id,
            "hours": 100,
            "job_size": 1,
            "duration_months": 3,
            name: value,
        }
        response = client.post(base, body, format="json")
    assert_field_refused(response, name)
    assert snapshot(proposal) == before
    resource_request.refresh_from_db()
    assert (resource_request.justification, resource_request.estimator_inputs) == stored


@pytest.mark.parametrize(
    ("name", "kind"),
    [(n, k) for n, f in writable_fields(WithdrawSerializer).items() for k in hostile_values(f)],
)
def test_hostile_values_in_a_withdrawal_are_refused_by_field(name, kind):
    proposal = complete_draft()
    value = hostile_values(WithdrawSerializer().fields[name])[kind]
    response = api_for(proposal.created_by).post(
        f"/api/v1/proposals/{proposal.pk}/withdraw/", {name: value}, format="json"
    )
    assert_field_refused(response, name)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.DRAFT
    assert proposal.withdrawal_reason == ""


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        (n, k)
        for n, f in writable_fields(ProposalCreateSerializer).items()
        for k in hostile_values(f)
    ],
)
def test_hostile_values_when_starting_a_proposal_are_refused_by_field(name, kind):
    proposal = complete_draft()
    body = {"call": proposal.call.slug, "organisation": proposal.organisation_id}
    body[name] = hostile_values(ProposalCreateSerializer().fields[name])[kind]
    response = api_for(proposal.created_by).post("/api/v1/proposals/", body, format="json")
    assert_field_refused(response, name)


def test_a_1_mb_withdrawal_reason_is_refused_with_the_limit():
    proposal = complete_draft()
    response = api_for(proposal.created_by).post(
        f"/api/v1/proposals/{proposal.pk}/withdraw/", {"reason": "x" * 1_000_000}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["reason"] == ["Ensure this field has no more than 5000 characters."]
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.DRAFT


def test_the_limits_are_those_of_the_model_fields_the_services_check_too():
    """The service refuses what the API refuses, for callers that do not go through it."""
    from django.core.exceptions import ValidationError

    from applications.services.proposals import proposal_update, resource_request_save

    proposal = complete_draft()
    with pytest.raises(ValidationError) as too_long:
        proposal_update(
            proposal=proposal,
            by=proposal.created_by,
            data={"ai_plan": "x" * 20_001},
            expected_version=proposal.version,
        )
    assert "ai_plan" in too_long.value.message_dict
    resource_request = proposal.requests.get()
    with pytest.raises(ValidationError) as nul:
        resource_request_save(
            proposal=proposal,
            by=proposal.created_by,
            offered_partition=resource_request.offered_partition,
            hours=resource_request.hours,
            job_size=resource_request.job_size,
            storage_tb=resource_request.storage_tb,
            duration_months=resource_request.duration_months,
            justification="x" * 10_001,
            estimator_inputs={"tflops": "\x00"},
            resource_request=resource_request,
            expected_version=resource_request.version,
        )
    assert set(nul.value.message_dict) == {"justification", "estimator_inputs"}


# --- optimistic locking --------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["abc", "1.5", "", None, True, [1], {"v": 1}, "1\x00"])
def test_a_non_numeric_version_is_a_400_never_a_skipped_lock(version):
    proposal = complete_draft()
    before = snapshot(proposal)
    response = api_for(proposal.created_by).patch(
        f"/api/v1/proposals/{proposal.pk}/", {"version": version, "title": "Changed"}, format="json"
    )
    assert_field_refused(response, "version")
    assert snapshot(proposal) == before


@pytest.mark.parametrize("version", ["abc", None, "", [1]])
def test_a_non_numeric_request_version_is_a_400_never_a_skipped_lock(version):
    proposal = complete_draft()
    resource_request = proposal.requests.get()
    response = api_for(proposal.created_by).patch(
        f"/api/v1/proposals/{proposal.pk}/requests/{resource_request.pk}/",
        {"version": version, "hours": 123},
        format="json",
    )
    assert_field_refused(response, "version")
    resource_request.refresh_from_db()
    assert resource_request.hours != 123


def test_nul_in_a_call_slug_is_a_404_not_a_database_error():
    response = api_for(complete_draft().created_by).get("/api/v1/calls/a%00b/")
    assert response.status_code == 404


def test_nul_in_a_list_filter_is_a_400():
    response = api_for(complete_draft().created_by).get("/api/v1/proposals/?call=a%00b")
    assert response.status_code == 400
    assert "call" in response.json()


def test_the_schema_says_an_edit_names_its_version(client):
    import yaml

    schema = yaml.safe_load(client.get("/api/schema/").content)
    components = schema["components"]["schemas"]
    assert "version" in components["PatchedProposalUpdate"]["required"]
    assert "version" in components["PatchedResourceRequest"]["required"]
    # The size limits are published for clients too.
    assert components["PatchedProposalUpdate"]["properties"]["abstract"]["maxLength"] == 20_000
    assert components["Withdraw"]["properties"]["reason"]["maxLength"] == 5_000
