"""A peer-reviewed call's reviewer settings: reviewers per proposal, days to review and whether
reviewers see the other reviews after their own; officers only, on the page and in the service."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from applications.modes import AccessMode
from reviews.models import PeerReviewSettings
from reviews.selectors.reviews import others_visible
from reviews.services.assignment import reviewers_per_proposal
from reviews.services.peer_review_settings import peer_review_settings_set
from tests.factories import CallFactory, ProgrammeOfficerFactory, ReviewerFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _staff_without_totp(settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False


def test_the_officer_changes_the_settings_and_they_take_effect(client):
    call = CallFactory(mode=AccessMode.LARGE_SCALE)
    officer = ProgrammeOfficerFactory()
    client.force_login(officer)
    url = reverse("reviews:peer_review_settings", kwargs={"pk": call.pk})
    page = client.get(url).content.decode()
    assert 'name="reviewers_per_proposal" value="3"' in page
    response = client.post(url, {"reviewers_per_proposal": "4", "review_days": "14"})
    assert response.status_code == 302
    assert reviewers_per_proposal(call) == 4
    assert others_visible(call.pk) is False  # the box was left unticked
    assert PeerReviewSettings.objects.get(call=call).review_days == 14


def test_bad_input_is_a_field_error_and_keeps_the_rest(client):
    call = CallFactory(mode=AccessMode.LARGE_SCALE)
    client.force_login(ProgrammeOfficerFactory())
    url = reverse("reviews:peer_review_settings", kwargs={"pk": call.pk})
    response = client.post(
        url,
        {"reviewers_per_proposal": "11", "review_days": "30", "others_reviews_after_submit": "on"},
    )
    assert response.status_code == 200
    assert "reviewers_per_proposal" in response.context["form"].errors
    assert 'name="review_days" value="30"' in response.content.decode()
    assert not PeerReviewSettings.objects.filter(call=call).exists()


def test_only_officers_and_only_peer_reviewed_calls(client):
    call = CallFactory(mode=AccessMode.LARGE_SCALE)
    url = reverse("reviews:peer_review_settings", kwargs={"pk": call.pk})
    for user in (ReviewerFactory(), UserFactory()):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert (
            client.post(url, {"reviewers_per_proposal": "1", "review_days": "5"}).status_code == 404
        )
    with pytest.raises(PermissionDenied):
        peer_review_settings_set(
            call=call,
            by=ReviewerFactory(),
            reviewers_per_proposal=1,
            review_days=5,
            others_reviews_after_submit=True,
        )
    fast_lane = CallFactory(mode=AccessMode.FAST_LANE)
    client.force_login(ProgrammeOfficerFactory())
    assert (
        client.get(reverse("reviews:peer_review_settings", kwargs={"pk": fast_lane.pk})).status_code
        == 404
    )
    with pytest.raises(ValidationError):
        peer_review_settings_set(
            call=fast_lane,
            by=ProgrammeOfficerFactory(),
            reviewers_per_proposal=2,
            review_days=10,
            others_reviews_after_submit=True,
        )
