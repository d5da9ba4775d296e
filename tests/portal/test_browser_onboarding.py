"""In Chromium: a newcomer signs up, confirms the address from the outbox, registers the company and
invites a teammate who signs up and joins; a programme officer must set up TOTP before reaching
a staff page."""

import re
import time
from datetime import date, timedelta

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.urls import reverse

from portal.models import Membership, Notification, Organisation
from tests.factories import ProgrammeOfficerFactory
from tests.factories.portal import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FOUNDER = "founder@tensorwerk.example"
TEAMMATE = "teammate@tensorwerk.example"
SECRET_WORDS = "grüne Schlange tanzt 1984"


def _link_in_outbox(email: str, pattern: str) -> str:
    """The path of the link in the last mail queued for `email` that matches `pattern`."""
    notification = Notification.objects.filter(to_email=email).order_by("-id").first()
    assert notification is not None, f"no mail for {email}"
    assert notification.status == Notification.Status.SENT, notification.last_error
    return re.search(rf"https?://[^/\s]+({pattern}\S*)", notification.body_text).group(1)


def _sign_up_and_confirm(page, email: str, start: str = "/accounts/signup/") -> None:
    page.goto(start)
    page.get_by_label("Email").fill(email)
    page.locator("input[name=password1]").fill(SECRET_WORDS)
    page.locator("input[name=password2]").fill(SECRET_WORDS)
    page.get_by_role("button", name="Sign up").click()
    page.get_by_role("heading", name="Confirm your email address").wait_for()

    page.goto(_link_in_outbox(email, "/accounts/confirm-email/"))
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_load_state()


def test_founder_registers_company_and_teammate_joins(page, browser, live_server):
    # The founder signs up and confirms the address from the mail in the outbox.
    _sign_up_and_confirm(page, FOUNDER)
    page.goto(reverse("portal:organisation_list"))
    page.get_by_text("You do not belong to an organisation yet").wait_for()

    # Registers the company; a mistake in the VAT number is caught, nothing else is lost.
    page.get_by_role("link", name="Register an organisation").click()
    page.get_by_label("Legal name").fill("Tensorwerk GmbH")
    page.get_by_label("Country").select_option("DE")
    page.get_by_label("Registration number").fill("HRB 123456")
    page.get_by_label("VAT number").fill("FR40303265045")
    page.get_by_label("Founding date").fill((date.today() - timedelta(days=700)).isoformat())
    page.locator("input[name=employees]").fill("9")
    page.locator("input[name=annual_turnover_eur]").fill("450000")
    page.locator("input[name=balance_sheet_eur]").fill("700000")
    page.get_by_role("button", name="Register organisation").click()
    page.locator("#form-errors").get_by_text("starts with FR (France)").wait_for()
    assert page.get_by_label("Legal name").input_value() == "Tensorwerk GmbH"
    assert page.locator("input[name=balance_sheet_eur]").input_value() == "700000"
    page.get_by_label("VAT number").fill("DE136695976")
    page.get_by_role("button", name="Register organisation").click()

    page.get_by_role("heading", name=re.compile("Tensorwerk GmbH")).wait_for()
    assert page.get_by_test_id("organisation-kind").inner_text() == "Startup"
    organisation = Organisation.objects.get(legal_name="Tensorwerk GmbH")

    # Invites a teammate.
    page.get_by_label("Email address of the person to invite").fill(TEAMMATE)
    page.get_by_role("button", name="Send invitation").click()
    page.get_by_text(f"An invitation was sent to {TEAMMATE}").wait_for()
    assert TEAMMATE in page.get_by_test_id("invitation-list").inner_text()

    # The teammate follows the invitation, signs up with the invited address and confirms it.
    teammate_context = browser.new_context(base_url=live_server.url)
    teammate = teammate_context.new_page()
    teammate.goto(_link_in_outbox(TEAMMATE, "/invitations/"))
    teammate.get_by_role("heading", name="Invitation to Tensorwerk GmbH").wait_for()
    signup_link = teammate.get_by_role("main").get_by_role("link", name="Sign up")
    _sign_up_and_confirm(teammate, TEAMMATE, start=signup_link.get_attribute("href"))
    teammate.goto(reverse("portal:organisation_detail", args=[organisation.pk]))
    members = teammate.get_by_test_id("member-list").inner_text()
    assert FOUNDER in members and TEAMMATE in members
    teammate_context.close()

    assert set(organisation.memberships.values_list("user__email", "role")) == {
        (FOUNDER, Membership.Role.OWNER),
        (TEAMMATE, Membership.Role.MEMBER),
    }
    # The founder is told, in the portal, that the teammate joined.
    page.goto(reverse("portal:notifications"))
    page.get_by_text(f"{TEAMMATE} joined Tensorwerk GmbH").wait_for()


def test_programme_officer_sets_up_totp_before_reaching_a_staff_page(page):
    officer = ProgrammeOfficerFactory(email="officer@programme.example", mfa=False)
    staff_page = reverse("applications:officer_calls")

    page.goto(staff_page)  # not logged in: the login page
    page.get_by_label("Email").fill(officer.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    # Sent to the TOTP set-up instead of the staff page; allauth asks for the password again.
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    if "/reauthenticate/" in page.url:
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(re.compile(r"/accounts/2fa/totp/activate/"))
    page.get_by_text("two-factor authentication is required").wait_for()

    # Trying the staff page again still lands on the set-up.
    page.goto(staff_page)
    page.wait_for_url(re.compile(r"/accounts/2fa/totp/activate/"))

    secret = page.get_by_test_id("totp-secret").input_value()
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    page.get_by_label("Authenticator code").fill(code)
    page.get_by_role("button", name="Activate").click()

    page.get_by_role("link", name="continue to the page you asked for").click()
    page.wait_for_url(re.compile(re.escape(staff_page) + "$"))
    page.goto(staff_page)
    assert page.url.endswith(staff_page)
