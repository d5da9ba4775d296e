"""The ranking API: officers read every row and preview and apply the funding line; the call's
panel reviewers read the ranking without their conflicted rows; anyone else gets a 404."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from applications.models import ProposalStatus
from reviews.models import DeclaredConflict
from reviews.services.ranking import panel_close, panel_note_add
from tests.factories import (
    CentreMembershipFactory,
    ProgrammeOfficerFactory,
    panel_proposal,
    panel_reviewer,
    ranking_cutoff,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _staff_without_totp(settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_ranking_preview_and_apply_through_the_api():
    officer = ProgrammeOfficerFactory()
    cutoff, link, criteria = ranking_cutoff(criteria=((1, 3), (1, None)))
    top = panel_proposal(cutoff, link, criteria, scores=((5, 5), (5, 3)), officer=officer)
    hidden = panel_proposal(cutoff, link, criteria, scores=((2, 5),), officer=officer)
    panel_note_add(proposal=hidden, text="Hidden note", by=officer)
    reviewer = panel_reviewer(cutoff.call)
    DeclaredConflict.objects.create(reviewer=reviewer, proposal=hidden, type="personal")
    url = f"/api/v1/cutoffs/{cutoff.pk}/ranking/"
    body = _client(officer).get(url).json()
    assert [r["proposal"] for r in body["rows"]] == [top.pk, hidden.pk]
    first = body["rows"][0]
    assert first["weighted_score"] == 9.0 and first["criteria"][1]["spread"] == 2
    assert first["disagreement"] and body["rows"][1]["failed_threshold"]
    assert body["rows"][1]["funding_line"] == "reject"
    seen = _client(reviewer).get(url)
    assert seen.status_code == 200 and seen.json()["hidden"] == 1
    assert hidden.title not in seen.content.decode() and "Hidden note" not in seen.content.decode()
    for user in (top.created_by, CentreMembershipFactory().user):
        assert _client(user).get(url).status_code == 404
    preview = f"/api/v1/cutoffs/{cutoff.pk}/funding-line/preview/"
    assert _client(officer).post(preview, {"waitlist_size": 0}, format="json").status_code == 400
    assert _client(reviewer).post(preview, {"waitlist_size": 0}, format="json").status_code == 404
    panel_close(cutoff=cutoff, by=officer)
    answer = _client(officer).post(preview, {"waitlist_size": -1}, format="json")
    assert answer.status_code == 400 and "waitlist_size" in answer.json()
    plan = _client(officer).post(preview, {"waitlist_size": 1}, format="json").json()
    assert [(d["proposal"], d["outcome"]) for d in plan["decisions"]] == [
        (top.pk, "award"),
        (hidden.pk, "reject"),
    ]
    apply = f"/api/v1/cutoffs/{cutoff.pk}/funding-line/"
    assert _client(reviewer).post(apply, {"waitlist_size": 1}, format="json").status_code == 404
    assert _client(officer).post(apply, {"waitlist_size": 1}, format="json").status_code == 201
    top.refresh_from_db()
    assert top.status == ProposalStatus.AWARDED
    again = _client(officer).post(apply, {"waitlist_size": 1}, format="json")
    assert again.status_code == 400 and "applied once" in again.content.decode()
