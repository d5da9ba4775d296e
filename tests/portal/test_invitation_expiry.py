"""Invitations expire PORTAL_INVITATION_VALID_DAYS after they were sent; the owner re-sends them."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.urls import reverse

from portal.models import Activity, Invitation, Membership, Notification, User
from portal.services.organisations import (
    invitation_accept,
    invitation_create,
    invitation_resend,
    invitation_revoke,
    invitations_accept_pending,
)
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.factories.portal import PASSWORD

pytestmark = pytest.mark.django_db

SENT = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
STILL_VALID = SENT + timedelta(days=13, hours=23)
EXPIRED = SENT + timedelta(days=14)


@pytest.fixture
def organisation():
    return OrganisationFactory(legal_name="Photon Labs BV")


@pytest.fixture
def owner(organisation):
    return MembershipFactory(organisation=organisation, role=Membership.Role.OWNER).user


@pytest.fixture
def invitation(organisation, owner):
    with time_machine.travel(SENT, tick=False):
        return invitation_create(organisation=organisation, by=owner, email="ines@example.eu")


def _joined(organisation, email):
    return organisation.memberships.filter(user__email=email).exists()


# --- Accepting -----------------------------------------------------------------------------------


def test_invitation_can_be_accepted_until_it_expires(organisation, invitation):
    ines = UserFactory(email="ines@example.eu")
    with time_machine.travel(STILL_VALID, tick=False):
        invitation_accept(invitation=invitation, user=ines)
    assert _joined(organisation, "ines@example.eu")


def test_expired_invitation_cannot_be_accepted(organisation, invitation):
    ines = UserFactory(email="ines@example.eu")
    with time_machine.travel(EXPIRED, tick=False):
        assert invitation.is_expired
        with pytest.raises(ValidationError) as excinfo:
            invitation_accept(invitation=invitation, user=ines)
    assert excinfo.value.code == "expired"
    assert "expired on 17 March 2025" in excinfo.value.messages[0]
    assert not _joined(organisation, "ines@example.eu")
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.PENDING  # nothing is flipped on read


@override_settings(PORTAL_INVITATION_VALID_DAYS=3)
def test_validity_comes_from_the_setting(organisation, invitation):
    ines = UserFactory(email="ines@example.eu")
    with (
        time_machine.travel(SENT + timedelta(days=3), tick=False),
        pytest.raises(ValidationError, match="expired"),
    ):
        invitation_accept(invitation=invitation, user=ines)


def test_expired_invitation_is_not_joined_automatically(organisation, invitation):
    ines = UserFactory(email="ines@example.eu")
    with time_machine.travel(EXPIRED, tick=False):
        assert invitations_accept_pending(user=ines) == []
    assert not _joined(organisation, "ines@example.eu")


def test_expired_invitation_is_not_joined_on_login(client, organisation, invitation):
    UserFactory(email="ines@example.eu")
    with time_machine.travel(EXPIRED, tick=False):
        response = client.post(
            reverse("account_login"), {"login": "ines@example.eu", "password": PASSWORD}
        )
        assert response.status_code == 302
        assert client.session["_auth_user_id"]
        # Nor is it offered on their list of organisations.
        body = client.get(reverse("portal:organisation_list")).content.decode()
    assert not _joined(organisation, "ines@example.eu")
    assert "Photon Labs BV" not in body


def test_expired_invitation_is_not_joined_on_signup(
    client, organisation, invitation, django_capture_on_commit_callbacks
):
    password = "a long and unusual passphrase 42"
    with time_machine.travel(EXPIRED, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(
                reverse("account_signup"),
                {"email": "ines@example.eu", "password1": password, "password2": password},
            )
        body = [m for m in mail.outbox if "ines@example.eu" in m.to][-1].body
        link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", body).group(1)
        client.post(link)
    assert User.objects.get(email="ines@example.eu").is_active
    assert not _joined(organisation, "ines@example.eu")


# --- Pages ---------------------------------------------------------------------------------------


def test_invitation_page_says_it_expired_and_whom_to_ask(client, organisation, owner, invitation):
    ines = UserFactory(email="ines@example.eu")
    url = reverse("portal:invitation_open", args=[invitation.token])
    with time_machine.travel(EXPIRED, tick=False):
        anonymous = client.get(url).content.decode()
        assert "expired on 17 March 2025" in anonymous
        assert f"Ask {owner.display_name} or another owner" in anonymous
        assert "Sign up" not in anonymous.split('data-testid="invitation-expired"')[1]
        client.force_login(ines)
        page = client.get(url).content.decode()
        assert f"Join {organisation}" not in page
        response = client.post(url, follow=True)
    assert "send you a new one" in response.content.decode()
    assert not _joined(organisation, "ines@example.eu")


def test_organisation_page_shows_expired_invitations_with_re_send(
    client, organisation, owner, invitation
):
    client.force_login(owner)
    detail = reverse("portal:organisation_detail", args=[organisation.pk])
    with time_machine.travel(STILL_VALID, tick=False):
        body = client.get(detail).content.decode()
    assert "valid until 17 Mar 2025" in body
    assert 'data-testid="invitation-expired"' not in body
    with time_machine.travel(EXPIRED, tick=False):
        body = client.get(detail).content.decode()
    assert 'data-testid="invitation-expired"' in body and "Expired" in body
    assert reverse("portal:invitation_resend", args=[organisation.pk, invitation.pk]) in body


# --- Re-sending ----------------------------------------------------------------------------------


def test_owner_re_sends_an_expired_invitation_with_a_fresh_link(
    client, organisation, owner, invitation, django_capture_on_commit_callbacks
):
    old_token = invitation.token
    resend = reverse("portal:invitation_resend", args=[organisation.pk, invitation.pk])
    client.force_login(owner)
    with (
        time_machine.travel(EXPIRED, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(resend, follow=True)
    assert "was sent again; it is valid until 31 March 2025" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.token != old_token
    assert invitation.status == Invitation.Status.PENDING
    activity = Activity.objects.get(verb="invitation.resend")
    assert activity.actor == owner and activity.data["was_expired"] is True
    # Mailed through the outbox, with the new link and its end date.
    resent = Notification.objects.filter(template="invitation_created").latest("id")
    assert resent.status == Notification.Status.SENT
    new_url = reverse("portal:invitation_open", args=[invitation.token])
    assert new_url in resent.body_text and "valid until 31 March 2025" in resent.body_text
    assert [m.to for m in mail.outbox] == [["ines@example.eu"]]

    # The old link is dead; the new one works until the new expiry.
    ines = UserFactory(email="ines@example.eu")
    client.force_login(ines)
    later = EXPIRED + timedelta(days=13)
    with time_machine.travel(later, tick=False):
        assert client.get(reverse("portal:invitation_open", args=[old_token])).status_code == 404
        client.post(new_url)
    assert _joined(organisation, "ines@example.eu")


def test_inviting_the_address_again_re_sends_the_expired_invitation(
    organisation, owner, invitation
):
    with time_machine.travel(EXPIRED, tick=False):
        again = invitation_create(organisation=organisation, by=owner, email="ines@example.eu")
        assert again.pk == invitation.pk and not again.is_expired
    assert Invitation.objects.filter(email="ines@example.eu").count() == 1
    assert Activity.objects.filter(verb="invitation.resend").count() == 1
    with (  # not expired yet: still refused
        time_machine.travel(STILL_VALID, tick=False),
        pytest.raises(ValidationError, match="already been invited"),
    ):
        invitation_create(organisation=organisation, by=owner, email="ines@example.eu")


def test_only_owners_re_send(client, organisation, owner, invitation):
    member = MembershipFactory(organisation=organisation).user
    with pytest.raises(PermissionDenied):
        invitation_resend(invitation=invitation, by=member)
    resend = reverse("portal:invitation_resend", args=[organisation.pk, invitation.pk])
    client.force_login(member)
    assert client.post(resend).status_code == 403
    client.force_login(UserFactory())
    assert client.post(resend).status_code == 404
    client.force_login(MembershipFactory(role=Membership.Role.OWNER).user)  # owner elsewhere
    assert client.post(resend).status_code == 404
    assert Invitation.objects.get(pk=invitation.pk).token == invitation.token
    assert not Activity.objects.filter(verb="invitation.resend").exists()


def test_revoked_invitation_is_not_re_sent(organisation, owner, invitation):
    invitation_revoke(invitation=invitation, by=owner)
    with pytest.raises(ValidationError, match="revoked"):
        invitation_resend(invitation=invitation, by=owner)
