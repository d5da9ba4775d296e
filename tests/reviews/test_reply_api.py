"""The right of reply through the API: the applicant reads the anonymised reviews and reads,
saves and submits the reply, with the page's rules (404 to others, 409 on a stale version, 400
with field errors keeping the saved text)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from applications.models import ProposalReply
from tests.factories import ProgrammeOfficerFactory, UserFactory, proposal_in_reply

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def _urls(proposal):
    return (
        reverse("reviews_api:proposal_reviews", args=[proposal.pk]),
        reverse("reviews_api:proposal_reply", args=[proposal.pk]),
        reverse("reviews_api:proposal_reply_submit", args=[proposal.pk]),
    )


def test_the_team_reads_the_reviews_as_numbers(api):
    proposal = proposal_in_reply()
    reviews_url, reply_url, _ = _urls(proposal)
    api.force_authenticate(proposal.created_by)
    data = api.get(reviews_url).json()
    assert [r["label"] for r in data["reviews"]] == ["Reviewer 1", "Reviewer 2", "Reviewer 3"]
    assert data["shows_scores"] is False
    assert all(c["score"] is None for r in data["reviews"] for c in r["criteria"])
    assert set(data["reviews"][0]) == {"number", "label", "criteria"}
    reply = api.get(reply_url).json()
    assert (reply["status"], reply["version"], reply["word_limit"]) == ("draft", 1, 500)
    assert reply["is_open"] is True


def test_others_get_404(api):
    proposal = proposal_in_reply()
    for outsider in (UserFactory(), ProgrammeOfficerFactory()):
        api.force_authenticate(outsider)
        for url in _urls(proposal)[:2]:
            assert api.get(url).status_code == 404


def test_save_conflict_and_submit(api):
    proposal = proposal_in_reply()
    _, reply_url, submit_url = _urls(proposal)
    api.force_authenticate(proposal.created_by)
    response = api.patch(reply_url, {"text": "First answer.", "version": 1}, format="json")
    assert response.status_code == 200 and response.json()["version"] == 2
    response = api.patch(reply_url, {"text": "Stale.", "version": 1}, format="json")
    assert response.status_code == 409
    assert response.json()["changed_by"] == proposal.created_by.display_name
    response = api.patch(reply_url, {"text": "x", "version": "two"}, format="json")
    assert response.status_code == 400 and "version" in response.json()
    ProposalReply.objects.filter(proposal=proposal).update(
        deadline=timezone.now() - timedelta(minutes=1)
    )
    response = api.post(submit_url, {"version": 2}, format="json")
    assert response.status_code == 400 and "deadline" in response.json()["text"][0]
    ProposalReply.objects.filter(proposal=proposal).update(
        deadline=timezone.now() + timedelta(days=1)
    )
    response = api.post(submit_url, {"text": "Final answer.", "version": 2}, format="json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["text"]) == ("submitted", "Final answer.")
    assert api.post(submit_url, {"version": 4}, format="json").status_code == 400
