"""allauth's own pages (confirmation, password reset and change, email addresses, two-factor
set-up, recovery codes, reauthentication, logout) sit in the portal's shell and speak in sentence
case like the rest of it: headings, titles, labels and buttons."""

import html
import re
import time

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.urls import reverse

from portal.models import Notification
from tests.factories import ProgrammeOfficerFactory, UserFactory
from tests.factories.portal import PASSWORD, give_totp

pytestmark = pytest.mark.django_db

TOTP_SECRET = "JBSWY3DPEHPK3PXP"
NEW_PASSWORD = "a long and unusual passphrase 42"
# Names that keep their capitals in a sentence-case heading.
PROPER_NOUNS = {"Compute", "Access", "Portal", "FreeOTP", "Aegis", "Google", "Authenticator"}
TEXT_TAGS = ("h1", "h2", "h3", "legend", "label", "button", "title")


def _texts(page: str, tag: str) -> list[str]:
    """Texts of the `tag` elements, without the badges inside them (labels of their own)."""
    page = re.sub(r'<span class="badge[^"]*"[^>]*>.*?</span>', " ", page, flags=re.DOTALL)
    found = re.findall(rf"<{tag}\b[^>]*>(.*?)</{tag}>", page, flags=re.DOTALL)
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", t)).split()) for t in found]


def capitalised_beyond_the_first(text: str) -> list[str]:
    """Words after the first that start with a capital: Title Case, unless a proper noun or an
    acronym (two capitals or more, "TOTP"). Addresses and codes are not words."""
    words = [w for w in re.findall(r"[A-Za-z][\w'@.-]*", text) if "@" not in w]
    return [
        w
        for w in words[1:]
        if w[0].isupper() and w not in PROPER_NOUNS and not (len(w) > 1 and w.isupper())
    ]


def test_the_sentence_case_check_catches_title_case():
    """The check the page test relies on must fail on allauth's own wording."""
    assert capitalised_beyond_the_first("Two-Factor Authentication") == ["Authentication"]
    assert capitalised_beyond_the_first("Confirm Email Address") == ["Email", "Address"]
    assert capitalised_beyond_the_first("Set up an authenticator app (TOTP)") == []
    assert capitalised_beyond_the_first("Log in to the Compute Access Portal") == []


def _assert_portal_page(response, name: str) -> None:
    assert response.status_code == 200, (name, response.status_code)
    page = response.content.decode()
    assert "vendor/bootstrap/bootstrap.min.css" in page, name
    main = page[page.index('<main id="main"') : page.index("</main>")]
    h1s = _texts(main, "h1")
    assert len(h1s) == 1, (name, h1s)
    title = _texts(page, "title")[0].removesuffix(" · Compute Access Portal")
    for text in [title] + [t for tag in TEXT_TAGS[:-1] for t in _texts(main, tag)]:
        assert capitalised_beyond_the_first(text.rstrip("*")) == [], (name, text)
    for allauth_word in ("Sign In", "Sign Out", "Sign in", "Sign out", "Please"):
        assert allauth_word not in main, (name, allauth_word)


def _code() -> str:
    return format_hotp_value(hotp_value(TOTP_SECRET, int(time.time()) // 30))


def _link(template: str, path: str) -> str:
    body = Notification.objects.filter(template=template).latest("pk").body_text
    return re.search(rf"https?://[^/\s]+({re.escape(path)}\S*)", body).group(1)


def test_pages_of_someone_logged_out(client):
    pages = {
        "login": reverse("account_login"),
        "signup": reverse("account_signup"),
        "password reset": reverse("account_reset_password"),
        "password reset sent": reverse("account_reset_password_done"),
        "account inactive": reverse("account_inactive"),
        "confirmation link unknown": reverse("account_confirm_email", args=["nonsense"]),
    }
    for name, url in pages.items():
        _assert_portal_page(client.get(url), name)

    client.post(
        reverse("account_signup"),
        {"email": "new@example.eu", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    _assert_portal_page(client.get(reverse("account_email_verification_sent")), "check mail")
    confirm = client.get(_link("account/email/email_confirmation_signup", "/accounts/"))
    _assert_portal_page(confirm, "confirm email")
    assert "new@example.eu" in confirm.content.decode()

    user = UserFactory(email="member@example.eu")
    client.post(reverse("account_reset_password"), {"email": user.email})
    link = _link("account/email/password_reset_key", "/accounts/password/reset/key/")
    choose = client.get(link, follow=True)
    _assert_portal_page(choose, "choose a new password")
    done = client.post(
        choose.redirect_chain[-1][0],
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        follow=True,
    )
    _assert_portal_page(done, "password reset done")
    _assert_portal_page(client.get(link, follow=True), "reset link used")
    assert "no longer works" in client.get(link, follow=True).content.decode()


def test_account_settings_pages(client):
    user = UserFactory(email="member@example.eu")
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    pages = {
        "email addresses": reverse("account_email"),
        "change password": reverse("account_change_password"),
        "reauthenticate": reverse("account_reauthenticate"),
        "two-factor index": reverse("mfa_index"),
        "set up totp": reverse("mfa_activate_totp"),
        "logout": reverse("account_logout"),
    }
    for name, url in pages.items():
        _assert_portal_page(client.get(url), name)
    EmailAddress.objects.create(user=user, email="other@example.eu", verified=False)
    _assert_portal_page(client.get(reverse("account_email")), "email addresses, one unconfirmed")
    emails = client.get(reverse("account_email")).content.decode()
    assert "Not confirmed" in emails and "Main" in emails

    errors = client.post(
        reverse("account_change_password"),
        {"oldpassword": "wrong", "password1": "x", "password2": "y"},
    )
    _assert_portal_page(errors, "change password with errors")
    assert "Current password" in errors.content.decode()

    user.set_unusable_password()
    user.save()
    client.force_login(user)
    _assert_portal_page(client.get(reverse("account_set_password")), "set password")


def test_two_factor_pages_of_a_staff_member(client):
    officer = ProgrammeOfficerFactory(mfa=False)
    give_totp(officer, TOTP_SECRET)
    response = client.post(reverse("account_login"), {"login": officer.email, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    _assert_portal_page(client.get(reverse("mfa_authenticate")), "two-factor login step")
    client.post(reverse("mfa_authenticate"), {"code": _code()})
    assert client.session["_auth_user_id"] == str(officer.pk)

    # Fresh from logging in: none of these asks for the password again.
    generate = client.get(reverse("mfa_generate_recovery_codes"))
    _assert_portal_page(generate, "generate recovery codes")
    codes = client.post(reverse("mfa_generate_recovery_codes"), follow=True)
    _assert_portal_page(codes, "recovery codes")
    assert Authenticator.objects.filter(
        user=officer, type=Authenticator.Type.RECOVERY_CODES
    ).exists()
    pages = {
        "two-factor index": reverse("mfa_index"),
        "turn off totp": reverse("mfa_deactivate_totp"),
        "reauthenticate with a code": reverse("mfa_reauthenticate"),
    }
    for name, url in pages.items():
        _assert_portal_page(client.get(url), name)
    # Confirming is by password or authenticator app, not by a code mailed to the same inbox.
    reauthenticate = client.get(reverse("mfa_reauthenticate")).content.decode()
    assert "Use your password" in reauthenticate and "sign-in code" not in reauthenticate
    assert reverse("account_request_reauthentication_code") not in reauthenticate
    assert client.get(reverse("account_request_reauthentication_code")).status_code == 403


def test_a_code_from_the_step_just_ended_counts_and_an_older_one_does_not():
    # Typed as its 30-second step ends, a code still works in the next step; two steps on, not.
    from allauth.mfa.totp.internal.auth import validate_totp_code

    step = int(time.time()) // 30
    for offset, accepted in ((0, True), (-1, True), (1, True), (-2, False), (2, False)):
        code = format_hotp_value(hotp_value(TOTP_SECRET, step + offset))
        if int(time.time()) // 30 != step:  # the step moved on under the test: ask again
            return test_a_code_from_the_step_just_ended_counts_and_an_older_one_does_not()
        assert validate_totp_code(TOTP_SECRET, code) is accepted, offset
