"""allauth's own mails (confirmation, password reset, account notices, two-factor notices) speak as
the portal: its name, no empty placeholder, subjects in sentence case, links on SITE_URL."""

import copy
import re
import time

import pytest
from allauth.account.models import EmailAddress
from allauth.core import context as allauth_context
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.test import RequestFactory, override_settings
from django.urls import reverse

from portal.adapters import AccountAdapter
from portal.models import Notification
from tests.factories import ProgrammeOfficerFactory, UserFactory
from tests.factories.portal import PASSWORD

pytestmark = pytest.mark.django_db

SITE_URL = "https://portal.example.org"
NEW_PASSWORD = "a long and unusual passphrase 42"
INVALID = "MISSING-VARIABLE"
# A variable missing from a mail's context would print this instead of vanishing silently.
TEMPLATES = copy.deepcopy(settings.TEMPLATES)
TEMPLATES[0]["OPTIONS"]["string_if_invalid"] = f"{INVALID}(%s)"

EVERY_MAIL = {
    "account/email/email_confirmation_signup",
    "account/email/account_already_exists",
    "account/email/password_reset_key",
    "account/email/password_reset",
    "account/email/unknown_account",
    "account/email/password_changed",
    "account/email/password_set",
    "account/email/email_confirmation",
    "account/email/email_changed",
    "account/email/email_deleted",
    "mfa/email/totp_activated",
    "mfa/email/recovery_codes_generated",
    "mfa/email/totp_deactivated",
    # Not reachable with the portal's settings (codes instead of links, security keys), rendered
    # through the adapter with the context allauth gives them.
    "account/email/login_code",
    "account/email/password_reset_code",
    "account/email/email_confirm",
    "mfa/email/webauthn_added",
    "mfa/email/webauthn_removed",
}


def _mail(template: str) -> Notification:
    return Notification.objects.filter(template=template).latest("pk")


def _link(notification: Notification, path_start: str) -> str:
    return re.search(rf"https?://\S+?({re.escape(path_start)}\S*)", notification.body_text).group(1)


def _totp_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def _trigger_every_mail(client) -> None:
    """Each allauth mail, reached the way a user reaches it."""
    # Signing up, and signing up again with the same address.
    signup = {"email": "new@example.eu", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    client.post(reverse("account_signup"), signup)
    client.post(reverse("account_signup"), signup)

    # Forgotten password: unknown address, then a known one, then the link.
    client.post(reverse("account_reset_password"), {"email": "nobody@example.eu"})
    user = UserFactory(email="member@example.eu")
    client.post(reverse("account_reset_password"), {"email": user.email})
    form_page = client.get(
        _link(_mail("account/email/password_reset_key"), "/accounts/"), follow=True
    )
    client.post(
        form_page.redirect_chain[-1][0], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )

    # Account settings of a logged-in user.
    client.post(reverse("account_login"), {"login": user.email, "password": NEW_PASSWORD})
    client.post(
        reverse("account_change_password"),
        {"oldpassword": NEW_PASSWORD, "password1": PASSWORD, "password2": PASSWORD},
    )
    client.post(reverse("account_email"), {"action_add": "", "email": "second@example.eu"})
    EmailAddress.objects.create(user=user, email="third@example.eu", verified=True)
    client.post(reverse("account_email"), {"action_primary": "", "email": "third@example.eu"})
    client.post(reverse("account_email"), {"action_remove": "", "email": "second@example.eu"})
    user.set_unusable_password()
    user.save()
    client.force_login(user)  # the password's change ended the session
    client.post(
        reverse("account_set_password"), {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )

    # Two-factor authentication of a programme officer, right after logging in.
    client.logout()
    officer = ProgrammeOfficerFactory(mfa=False)
    client.post(reverse("account_login"), {"login": officer.email, "password": PASSWORD})
    page = client.get(reverse("mfa_activate_totp")).content.decode()
    secret = re.search(r'value="([A-Z2-7]{16,})"', page).group(1)
    client.post(reverse("mfa_activate_totp"), {"code": _totp_code(secret)})
    client.post(reverse("mfa_generate_recovery_codes"))
    client.post(reverse("mfa_deactivate_totp"))
    assert not Authenticator.objects.filter(user=officer, type=Authenticator.Type.TOTP).exists()

    # Mails of features the portal leaves off, with the context allauth would give them.
    request = RequestFactory().get("/")
    request.user = officer
    with allauth_context.request_context(request):
        adapter = AccountAdapter(request)
        adapter.send_mail("account/email/login_code", officer.email, {"code": "QX7-K2P"})
        adapter.send_mail("account/email/password_reset_code", officer.email, {"code": "QX7-K2P"})
        adapter.send_notification_mail("account/email/email_confirm", officer)
        adapter.send_notification_mail("mfa/email/webauthn_added", officer)
        adapter.send_notification_mail("mfa/email/webauthn_removed", officer)


def _words_capitalised_beyond_the_first(subject: str) -> list[str]:
    proper = set(settings.PORTAL_SITE_NAME.split())
    words = re.findall(r"[A-Za-z][\w'-]*", subject)
    return [w for w in words[1:] if w[0].isupper() and w not in proper]


@override_settings(SITE_URL=SITE_URL, TEMPLATES=TEMPLATES)
def test_every_allauth_mail_speaks_as_the_portal(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _trigger_every_mail(client)

    sent = {n.template: n for n in Notification.objects.order_by("pk")}
    assert set(sent) >= EVERY_MAIL, EVERY_MAIL - set(sent)
    for template in EVERY_MAIL:
        mail = sent[template]
        body = mail.body_text
        assert "Compute Access Portal" in body, template
        assert INVALID not in body and INVALID not in mail.subject, (template, body)
        for empty in ("from !", "using !", "Hello from", "Thank you for using", "()", " ,", " ."):
            assert empty not in body, (template, empty)
        assert not re.search(r"\d\d:\d\d:\d\d", body), (template, "a time with seconds")
        # Sentence case, no "[site]" prefix.
        assert mail.subject[0].isupper() and not mail.subject.startswith("["), template
        assert _words_capitalised_beyond_the_first(mail.subject) == [], (template, mail.subject)
        # Every link is on the portal's public address, never the host the request came in on.
        links = re.findall(r"https?://\S+", body)
        assert links, template
        assert all(link.startswith(SITE_URL + "/") for link in links), (template, links)
        assert "testserver" not in body
        assert mail.status == Notification.Status.SENT, template


@override_settings(SITE_URL=SITE_URL)
def test_mail_links_open_the_pages_they_name(client):
    """The confirmation link, taken off SITE_URL, confirms the address on the portal."""
    client.post(
        reverse("account_signup"),
        {"email": "new@example.eu", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    mail = _mail("account/email/email_confirmation_signup")
    assert mail.subject == "Confirm your email address"
    link = _link(mail, "/accounts/confirm-email/")
    assert f"{SITE_URL}{link}" in mail.body_text
    client.post(link)
    assert EmailAddress.objects.get(email="new@example.eu").verified


@override_settings(SITE_URL="")
def test_without_site_url_links_use_the_address_the_request_came_in_on(client):
    UserFactory(email="member@example.eu")
    client.post(reverse("account_reset_password"), {"email": "member@example.eu"})
    body = _mail("account/email/password_reset_key").body_text
    assert "http://testserver/accounts/password/reset/key/" in body
    assert "http://testserver/\n" in body  # the signature


def test_notices_show_the_time_in_the_users_zone_without_seconds(client):
    user = UserFactory(timezone="Asia/Tokyo")
    client.force_login(user)
    client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    body = _mail("account/email/password_changed").body_text
    assert re.search(r"on \d{1,2} \w{3} \d{4} at \d\d:\d\d \(Asia/Tokyo\)", body), body
