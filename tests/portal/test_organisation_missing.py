"""A signed-in applicant who belongs to no organisation is told, on home and on the dashboard, to
register one first (proposals are made on behalf of a company)."""

import pytest
from django.urls import reverse

from tests.factories import (
    InvitationFactory,
    MembershipFactory,
    ProgrammeOfficerFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PAGES = ("home", "applications:dashboard")


@pytest.mark.parametrize("page", PAGES)
def test_a_user_without_an_organisation_is_told_to_register_one(client, page):
    client.force_login(UserFactory())
    body = client.get(reverse(page)).content.decode()
    assert 'data-testid="organisation-missing"' in body
    assert "Register your organisation first." in body
    assert f'href="{reverse("portal:organisation_create")}">Register your organisation</a>' in body
    assert "ask its owner to invite you" in body


@pytest.mark.parametrize("page", PAGES)
def test_a_pending_invitation_is_offered_beside_registering(client, page):
    user = UserFactory()
    invitation = InvitationFactory(email=user.email)
    client.force_login(user)
    body = client.get(reverse(page)).content.decode()
    assert f"accept the invitation from {invitation.organisation.legal_name}" in body
    assert f'href="{reverse("portal:organisation_list")}"' in body


@pytest.mark.parametrize("page", PAGES)
def test_members_staff_and_visitors_are_not_told(client, page):
    client.force_login(MembershipFactory().user)
    assert 'data-testid="organisation-missing"' not in client.get(reverse(page)).content.decode()
    client.force_login(ProgrammeOfficerFactory())  # staff do not apply
    assert 'data-testid="organisation-missing"' not in client.get(reverse(page)).content.decode()
    client.logout()
    assert 'data-testid="organisation-missing"' not in client.get(reverse("home")).content.decode()
