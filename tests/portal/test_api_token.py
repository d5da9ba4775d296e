"""A user gets an API token from their profile and a script uses it."""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from portal.models import Activity
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_token_page_needs_login(client):
    response = client.get(reverse("api_token"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_create_token_shows_it_once_and_it_authenticates(client):
    user = UserFactory()
    client.force_login(user)
    assert "You have no API token yet" in client.get(reverse("api_token")).content.decode()

    page = client.post(reverse("api_token"), {"action": "issue"}).content.decode()
    token = Token.objects.get(user=user)
    assert token.key in page
    assert token.key not in client.get(reverse("api_token")).content.decode()
    assert Activity.objects.filter(actor=user, verb="api_token.issue").exists()

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/v1/proposals/").status_code == 200


def test_replacing_the_token_disables_the_old_one(client):
    user = UserFactory()
    client.force_login(user)
    client.post(reverse("api_token"), {"action": "issue"})
    old = Token.objects.get(user=user).key
    client.post(reverse("api_token"), {"action": "issue"})
    assert Token.objects.get(user=user).key != old

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {old}")
    assert api.get("/api/v1/proposals/").status_code == 401


def test_revoke_token(client):
    user = UserFactory()
    client.force_login(user)
    client.post(reverse("api_token"), {"action": "issue"})
    response = client.post(reverse("api_token"), {"action": "revoke"}, follow=True)
    assert not Token.objects.filter(user=user).exists()
    assert "revoked" in response.content.decode()
    assert Activity.objects.filter(actor=user, verb="api_token.revoke").exists()
