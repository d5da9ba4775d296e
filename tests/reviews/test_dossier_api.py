"""The dossier through the API: the page's data for programme officers, a 404 for anyone else,
and a response that matches the published schema."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from reviews.models import TechnicalAssessment
from tests.factories import (
    CentreMembershipFactory,
    ProgrammeOfficerFactory,
    ReviewerFactory,
    UserFactory,
)
from tests.reviews.test_officer_proposal import PANEL_COMMENT, assessed_proposal

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _staff_without_totp(settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False


def _api(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_an_officer_reads_the_dossier(django_capture_on_commit_callbacks):
    officer = ProgrammeOfficerFactory(first_name="Otto", last_name="Officer")
    proposal = assessed_proposal(django_capture_on_commit_callbacks, requests=2, officer=officer)
    response = _api(officer).get(f"/api/v1/proposals/{proposal.pk}/dossier/")
    assert response.status_code == 200
    body = response.json()
    assert body["proposal"]["reference"] == proposal.reference
    assert body["proposal"]["url"].endswith(f"/api/v1/proposals/{proposal.pk}/")
    # Every section is the proposal's own resource, which the officer reads too.
    sections = _api(officer).get(body["proposal"]["url"])
    assert sections.status_code == 200 and sections.json()["abstract"] == proposal.abstract
    assert body["organisation"]["registration_number"] == (
        proposal.organisation.registration_number
    )
    assert body["organisation"]["kind"] == proposal.organisation.kind
    assert [r["assessment"]["comment_to_panel"] for r in body["requests"]] == [PANEL_COMMENT] * 2
    assert {r["assessment"]["outcome"] for r in body["requests"]} == {"feasible_with_changes"}
    assert body["requests"][0]["assessment"]["recommended_hours"] == 15000
    assert body["eligibility"]["outcome"] == "eligible"
    assert body["eligibility"]["items_passed"] == body["eligibility"]["items_total"] > 0
    assert body["time_to_access"]["state"]
    assert any(
        "Otto Officer declared the proposal eligible" in e["text"] for e in body["audit_trail"]
    )
    assert body["actions"] == [{"action": "start_review", "label": "Start review", "url": None}]
    assert body["attachments"][0]["download_url"].endswith(
        f"/proposals/{proposal.pk}/attachments/{proposal.attachments.get().pk}/"
    )


def test_nobody_else_learns_anything(django_capture_on_commit_callbacks):
    proposal = assessed_proposal(django_capture_on_commit_callbacks)
    assessor = TechnicalAssessment.objects.filter(proposal=proposal).first().submitted_by
    for user in (
        proposal.created_by,
        assessor,
        CentreMembershipFactory(administrator=True).user,
        ReviewerFactory(),
        UserFactory(is_superuser=True, is_staff=True),
    ):
        response = _api(user).get(f"/api/v1/proposals/{proposal.pk}/dossier/")
        assert response.status_code == 404, user
        assert PANEL_COMMENT not in response.content.decode()
    assert APIClient().get(f"/api/v1/proposals/{proposal.pk}/dossier/").status_code in (401, 403)
    officer = _api(ProgrammeOfficerFactory())
    assert officer.get(f"/api/v1/proposals/{10**9}/dossier/").status_code == 404


def test_the_answer_matches_the_schema(django_capture_on_commit_callbacks):
    import jsonschema
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/v1/proposals/{id}/dossier/"]["get"]
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    officer = ProgrammeOfficerFactory()
    proposal = assessed_proposal(django_capture_on_commit_callbacks)
    body = _api(officer).get(f"/api/v1/proposals/{proposal.pk}/dossier/").json()
    jsonschema.validate(
        body,
        {"$ref": ref, "components": _as_json_schema(schema["components"])},
        cls=jsonschema.Draft202012Validator,
    )


def _as_json_schema(node):
    """OpenAPI 3.0's `nullable: true` written as JSON Schema's null type."""
    if isinstance(node, list):
        return [_as_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    node = {k: _as_json_schema(v) for k, v in node.items()}
    if node.pop("nullable", False):
        return {"anyOf": [node, {"type": "null"}]}
    return node


def test_the_answer_costs_the_same_queries_for_1_and_10_of_everything(
    django_capture_on_commit_callbacks,
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    api = _api(ProgrammeOfficerFactory())

    def count(proposal) -> int:
        url = f"/api/v1/proposals/{proposal.pk}/dossier/"
        api.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert api.get(url).status_code == 200
        return len(queries)

    small = assessed_proposal(django_capture_on_commit_callbacks, requests=1, attachments=1)
    big = assessed_proposal(django_capture_on_commit_callbacks, requests=10, attachments=10)
    assert count(big) == count(small)
