"""Accounts: signup with confirmation joins invited organisations, login rate limit, staff MFA,
profile time zone, notifications page, error pages."""

import re
import time
import uuid
from datetime import UTC, datetime

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.core import mail
from django.test import RequestFactory, override_settings
from django.urls import reverse

import portal.settings as base_settings
from portal import views
from portal.models import Membership, Notification, User
from portal.services.organisations import invitation_create
from tests.factories import (
    CentreMembershipFactory,
    MembershipFactory,
    ProgrammeOfficerFactory,
    ReviewerFactory,
    UserFactory,
)
from tests.factories.portal import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a long and unusual passphrase 42"


def _confirmation_link(email: str) -> str:
    """The confirmation link of the last mail sent to `email` (delivered from the outbox)."""
    body = [m for m in mail.outbox if email in m.to][-1].body
    return re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", body).group(1)


def _signup(client, email):
    return client.post(
        reverse("account_signup"),
        {"email": email, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )


# --- Signup, confirmation, joining ---------------------------------------------------------------


def test_signup_needs_email_confirmation_then_joins_the_inviting_organisation(
    client, django_capture_on_commit_callbacks
):
    owner = MembershipFactory(role=Membership.Role.OWNER)
    invitation_create(organisation=owner.organisation, by=owner.user, email="new@example.eu")

    with django_capture_on_commit_callbacks(execute=True):
        response = _signup(client, "new@example.eu")
    assert response["Location"] == reverse("account_email_verification_sent")
    # Not logged in before confirming: pages still ask for a login.
    assert client.get(reverse("portal:profile")).status_code == 302
    user = User.objects.get(email="new@example.eu")
    assert not user.memberships.exists()
    # The confirmation mail went through the outbox and is not listed in the portal (a secret).
    confirmation = Notification.objects.get(to_email="new@example.eu", show_in_portal=False)
    assert confirmation.status == Notification.Status.SENT

    link = _confirmation_link("new@example.eu")
    assert client.get(link).status_code == 200
    response = client.post(link, follow=True)
    assert response.status_code == 200
    assert user.memberships.get().organisation == owner.organisation
    assert f"You joined {owner.organisation}" in response.content.decode()


def test_existing_user_joins_on_login(client):
    owner = MembershipFactory(role=Membership.Role.OWNER)
    invitee = UserFactory(email="old@example.eu")
    invitation_create(organisation=owner.organisation, by=owner.user, email="old@example.eu")
    client.post(reverse("account_login"), {"login": "old@example.eu", "password": PASSWORD})
    assert invitee.memberships.get().organisation == owner.organisation


def test_unverified_account_cannot_log_in(client):
    UserFactory(email="unverified@example.eu", verified=False)
    response = client.post(
        reverse("account_login"), {"login": "unverified@example.eu", "password": PASSWORD}
    )
    assert response["Location"] == reverse("account_email_verification_sent")
    assert client.get(reverse("portal:profile")).status_code == 302


def test_password_reset_mail_goes_through_the_outbox(client, django_capture_on_commit_callbacks):
    UserFactory(email="forgetful@example.eu")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": "forgetful@example.eu"})
    assert response.status_code == 302
    notification = Notification.objects.get(to_email="forgetful@example.eu")
    assert notification.show_in_portal is False
    assert "/accounts/password/reset/key/" in mail.outbox[-1].body


def test_password_reset_link_sets_a_new_password_that_logs_in(
    client, django_capture_on_commit_callbacks
):
    user = UserFactory(email="forgetful@example.eu")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": user.email})
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", mail.outbox[-1].body)

    # The key in the link is swapped for a session-held one, then the new password is chosen.
    form_page = client.get(link.group(1), follow=True)
    assert form_page.status_code == 200
    set_password_url = form_page.redirect_chain[-1][0]
    mismatch = client.post(
        set_password_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "x"}
    )
    assert "same password" in mismatch.content.decode()
    response = client.post(set_password_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302

    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD) and not user.check_password(PASSWORD)
    client.logout()
    client.post(reverse("account_login"), {"login": user.email, "password": NEW_PASSWORD})
    assert client.session["_auth_user_id"] == str(user.pk)
    # The used link cannot be used again.
    client.logout()
    reused = client.get(link.group(1), follow=True)
    assert "invalid" in reused.content.decode().lower()


def test_account_pages_use_the_portal_shell(client):
    for name in ("account_login", "account_signup", "account_reset_password"):
        body = client.get(reverse(name)).content.decode()
        assert "vendor/bootstrap/bootstrap.min.css" in body, name
        assert "form-control" in body, name
        assert "Compute Access Portal" in body


# --- Rate limit ----------------------------------------------------------------------------------


def test_sixth_failed_login_in_a_row_is_refused_even_with_the_right_password(client):
    # Counters of an address and an account of this test alone: clearing the cache would empty
    # the Redis database that the other test processes share.
    user = UserFactory(email=f"target-{uuid.uuid4().hex[:8]}@example.eu")
    # (IPv4: allauth counts an IPv6 client by its /64, which every such test address would share.)
    client.defaults["REMOTE_ADDR"] = "10.{}.{}.{}".format(*uuid.uuid4().bytes[:3])
    with override_settings(ACCOUNT_RATE_LIMITS=base_settings.ACCOUNT_RATE_LIMITS):
        url = reverse("account_login")
        for _ in range(5):
            response = client.post(url, {"login": user.email, "password": "wrong"})
            assert "Too many failed login attempts" not in response.content.decode()
            assert "_auth_user_id" not in client.session
        response = client.post(url, {"login": user.email, "password": PASSWORD})
        assert "Too many failed login attempts" in response.content.decode()
        assert "_auth_user_id" not in client.session


def test_without_rate_limits_the_right_password_still_works_after_failures(client):
    """The counterpart of the test above: the refusal comes from the rate limit."""
    user = UserFactory(email="target@example.eu")
    url = reverse("account_login")
    for _ in range(5):
        client.post(url, {"login": user.email, "password": "wrong"})
    client.post(url, {"login": user.email, "password": PASSWORD})
    assert client.session["_auth_user_id"] == str(user.pk)


# --- Staff MFA -----------------------------------------------------------------------------------


def _login(client, user):
    """A real login (allauth records it; setting up TOTP asks for a recent one)."""
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()


def _reauthenticate(client):
    """Confirm the password again (allauth's reauthentication page)."""
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302, response.content.decode()


def _activate_totp(user):
    TOTP.activate(user, generate_totp_secret())


@pytest.mark.parametrize(
    "make_staff",
    [
        lambda: ProgrammeOfficerFactory(mfa=False),
        lambda: ReviewerFactory(mfa=False),
        lambda: CentreMembershipFactory(mfa=False).user,
        lambda: UserFactory(is_staff=True),
    ],
    ids=["officer", "reviewer", "centre-staff", "site-staff"],
)
def test_staff_without_totp_are_sent_to_set_it_up(client, make_staff):
    _login(client, make_staff())
    response = client.get(reverse("portal:profile"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))
    assert "next=/profile/" in response["Location"]
    # The set-up page shows its form straight away: the login a moment ago counts as recent.
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 200
    assert 'data-testid="totp-secret"' in response.content.decode()


def test_totp_set_up_asks_for_the_password_again_once_the_login_is_old(client):
    officer = ProgrammeOfficerFactory(mfa=False)
    _login(client, officer)
    timeout = base_settings.ACCOUNT_REAUTHENTICATION_TIMEOUT
    with time_machine.travel(time.time() + timeout - 30, tick=False):
        assert client.get(reverse("mfa_activate_totp")).status_code == 200
    with time_machine.travel(time.time() + timeout + 1, tick=False):
        response = client.get(reverse("mfa_activate_totp"))
        assert response["Location"].startswith(reverse("account_reauthenticate"))
        _reauthenticate(client)
        assert client.get(reverse("mfa_activate_totp")).status_code == 200


def test_a_session_without_a_recorded_login_is_asked_for_the_password(client):
    """The exemption is the login's record in this session, not being logged in at all."""
    client.force_login(ProgrammeOfficerFactory(mfa=False))
    response = client.get(reverse("mfa_activate_totp"))
    assert response["Location"].startswith(reverse("account_reauthenticate"))


def test_staff_with_totp_reach_their_pages(client):
    officer = ProgrammeOfficerFactory(mfa=False)
    _activate_totp(officer)
    client.force_login(officer)
    assert client.get(reverse("portal:profile")).status_code == 200
    assert client.get(reverse("applications:officer_calls")).status_code != 302


def test_applicants_are_not_asked_for_totp(client):
    client.force_login(UserFactory())
    assert client.get(reverse("portal:profile")).status_code == 200


@override_settings(PORTAL_STAFF_MFA_REQUIRED=False)
def test_demo_switch_lets_staff_through_without_totp(client):
    client.force_login(ProgrammeOfficerFactory(mfa=False))
    assert client.get(reverse("portal:profile")).status_code == 200
    assert not Authenticator.objects.exists()


def test_staff_activate_totp_with_a_code_and_are_offered_the_way_back(client):
    officer = ProgrammeOfficerFactory(mfa=False)
    _login(client, officer)
    client.get(reverse("applications:officer_calls"))  # redirected; remembered
    page = client.get(reverse("mfa_activate_totp")).content.decode()
    secret = re.search(r'id="authenticator_secret"[^>]*value="([A-Z2-7]+)"', page)
    secret = secret or re.search(r'value="([A-Z2-7]+)"[^>]*id="authenticator_secret"', page)
    code = format_hotp_value(hotp_value(secret.group(1), int(time.time()) // 30))
    response = client.post(reverse("mfa_activate_totp"), {"code": code}, follow=True)
    assert Authenticator.objects.filter(user=officer, type=Authenticator.Type.TOTP).exists()
    assert "continue to the page you asked for" in response.content.decode()
    assert reverse("applications:officer_calls") in response.content.decode()
    assert client.get(reverse("portal:profile")).status_code == 200


# --- Profile and time zone -----------------------------------------------------------------------


def test_profile_saves_name_and_time_zone_and_pages_use_the_zone(client):
    user = UserFactory()
    client.force_login(user)
    notification = Notification.objects.create(
        recipient=user,
        to_email=user.email,
        template="t",
        subject="Deadline soon",
        body_text="b",
        idempotency_key="tz-test",
    )
    Notification.objects.filter(pk=notification.pk).update(
        created_at=datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
    )
    assert "15 Jan 2026 10:00" in client.get(reverse("portal:notifications")).content.decode()

    response = client.post(
        reverse("portal:profile"),
        {"first_name": "Ada", "last_name": "Lovelace", "timezone": "Asia/Tokyo"},
        follow=True,
    )
    assert "Your profile was saved" in response.content.decode()
    user.refresh_from_db()
    assert (user.first_name, user.timezone) == ("Ada", "Asia/Tokyo")
    assert "15 Jan 2026 18:00" in client.get(reverse("portal:notifications")).content.decode()


def test_unknown_time_zone_is_refused_and_names_are_kept(client):
    client.force_login(UserFactory())
    response = client.post(
        reverse("portal:profile"),
        {"first_name": "Ada", "last_name": "Lovelace", "timezone": "Mars/Olympus"},
    )
    assert "timezone" in response.context["form"].errors
    assert 'value="Lovelace"' in response.content.decode()


# --- Notifications -------------------------------------------------------------------------------


def test_notifications_page_lists_portal_notifications_and_marks_them_read(client):
    user = UserFactory()
    for n, shown in enumerate([True, True, False]):
        Notification.objects.create(
            recipient=user,
            to_email=user.email,
            template="t",
            subject=f"Subject {n}",
            body_text="b",
            idempotency_key=f"n{n}",
            show_in_portal=shown,
        )
    Notification.objects.create(
        recipient=UserFactory(),
        to_email="x@example.eu",
        template="t",
        subject="Not yours",
        body_text="b",
        idempotency_key="other",
    )
    client.force_login(user)
    profile = client.get(reverse("portal:profile")).content.decode()
    assert 'data-testid="unread-count">2<' in profile
    body = client.get(reverse("portal:notifications")).content.decode()
    assert "Subject 0" in body and "Subject 1" in body
    assert "Subject 2" not in body and "Not yours" not in body
    assert body.count(">New<") == 2
    assert not Notification.objects.filter(recipient=user, show_in_portal=True, read_at=None)
    assert (
        'data-testid="unread-count"' not in client.get(reverse("portal:profile")).content.decode()
    )


def test_notifications_link_to_what_they_are_about_but_never_offsite(client):
    user = UserFactory()
    for key, context in {
        "receipt": {"proposal_path": "/proposals/42/"},
        "joined": {"url": "/organisations/7/"},
        "offsite": {"url": "//evil.example/phish"},
        "absolute": {"url": "https://portal.example.org/invitations/abc/"},
    }.items():
        Notification.objects.create(
            recipient=user,
            to_email=user.email,
            template="t",
            subject=f"About {key}",
            body_text="b",
            context=context,
            idempotency_key=f"link-{key}",
        )
    client.force_login(user)
    body = client.get(reverse("portal:notifications")).content.decode()
    assert '<a href="/proposals/42/">About receipt</a>' in body
    assert '<a href="/organisations/7/">About joined</a>' in body
    assert "evil.example" not in body and "portal.example.org" not in body
    assert ">About offsite<" in body and ">About absolute<" in body


# --- Error pages ---------------------------------------------------------------------------------


def test_error_pages_render_with_their_handlers(client):
    request = RequestFactory().get("/nowhere/")
    request.user = UserFactory()
    assert views.permission_denied(request).status_code == 403
    assert b"You cannot do that" in views.permission_denied(request).content
    assert views.page_not_found(request).status_code == 404
    response = views.server_error(request)
    assert response.status_code == 500
    assert b"Something went wrong on our side" in response.content

    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content
    assert b"vendor/bootstrap/bootstrap.min.css" in response.content
