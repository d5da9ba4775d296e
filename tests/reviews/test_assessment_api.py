"""API of the technical assessment: the same rules as the pages."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from reviews.models import TechnicalAssessment
from tests.reviews.test_assessment_pages import SECRET, two_centres  # noqa: F401

pytestmark = pytest.mark.django_db


def _api(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_an_assessor_lists_and_submits_only_their_centres_assessments(two_centres):  # noqa: F811
    bsc, csc, shared, csc_only = two_centres
    api = _api(bsc.user)
    listed = api.get("/api/v1/assessments/")
    assert listed.status_code == 200
    rows = listed.json()["results"]
    mine = TechnicalAssessment.objects.get(proposal=shared, centre=bsc.centre)
    assert [r["id"] for r in rows] == [mine.pk]
    assert rows[0]["requested_hours"] == 20000 and rows[0]["centre"] == "BSC"
    assert SECRET not in listed.content.decode()
    for theirs in TechnicalAssessment.objects.filter(centre=csc.centre):
        assert api.get(f"/api/v1/assessments/{theirs.pk}/").status_code == 404
        refused = api.post(
            f"/api/v1/assessments/{theirs.pk}/submit/",
            {"outcome": "feasible", "recommended_hours": 1},
            format="json",
        )
        assert refused.status_code == 404
    too_many = api.post(
        f"/api/v1/assessments/{mine.pk}/submit/",
        {"outcome": "feasible", "recommended_hours": 20001},
        format="json",
    )
    assert too_many.status_code == 400
    assert too_many.json() == {
        "recommended_hours": ["Recommend at most the 20,000 hours requested."]
    }
    done = api.post(
        f"/api/v1/assessments/{mine.pk}/submit/",
        {"outcome": "feasible", "recommended_hours": 20000, "comment_to_panel": "Fine."},
        format="json",
    )
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "submitted"
    assert done.json()["deadline"].endswith("Z")
    again = api.post(
        f"/api/v1/assessments/{mine.pk}/submit/",
        {"outcome": "feasible", "recommended_hours": 1},
        format="json",
    )
    assert again.status_code == 400


def test_an_applicant_sees_no_assessment(two_centres):  # noqa: F811
    _, _, shared, _ = two_centres
    api = _api(shared.created_by)
    assert api.get("/api/v1/assessments/").json()["results"] == []
    any_one = TechnicalAssessment.objects.first()
    assert api.get(f"/api/v1/assessments/{any_one.pk}/").status_code == 404
    assert APIClient().get("/api/v1/assessments/").status_code == 401
