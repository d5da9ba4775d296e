"""A form posted from an expired session: after logging in, the user returns to the page the form
was on, never to an endpoint that only takes POST (which would answer 405)."""

from urllib.parse import quote

import pytest
from django.urls import reverse

from tests.factories import CallFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def _login_location(next_path: str) -> str:
    return f"{reverse('account_login')}?next={quote(next_path)}"


def test_an_invitation_posted_without_a_session_returns_to_the_organisation_page(client):
    organisation = OrganisationFactory()
    page = reverse("portal:organisation_detail", args=[organisation.pk])
    endpoint = reverse("portal:invitation_create", args=[organisation.pk])
    response = client.post(
        endpoint, {"email": "new@example.eu"}, HTTP_REFERER=f"http://testserver{page}?tab=people"
    )
    assert response.status_code == 302
    assert response["Location"] == _login_location(f"{page}?tab=people")
    assert not organisation.invitations.exists()


def test_an_officer_form_posted_without_a_session_returns_to_the_setup_page(client):
    call = CallFactory()
    page = reverse("applications:officer_call_setup", args=[call.pk])
    endpoint = reverse("applications:officer_criterion_add", args=[call.pk])
    response = client.post(endpoint, {"name": "Ethics"}, HTTP_REFERER=f"http://testserver{page}")
    assert response["Location"] == _login_location(page)


def test_without_a_referrer_from_the_portal_the_request_path_is_kept(client):
    organisation = OrganisationFactory()
    endpoint = reverse("portal:invitation_create", args=[organisation.pk])
    for referer in ({}, {"HTTP_REFERER": "https://phishing.example/organisations/1/"}):
        response = client.post(endpoint, {"email": "new@example.eu"}, **referer)
        assert response["Location"] == _login_location(endpoint)


def test_pages_still_return_to_themselves(client):
    response = client.get(reverse("portal:profile") + "?tab=mfa")
    assert response["Location"] == _login_location(reverse("portal:profile") + "?tab=mfa")
