"""In Chromium on a phone-sized screen: a programme officer who just logged in goes straight to the
TOTP set-up form (no second password prompt), sets it up and reaches the recovery codes and the
two-factor page, none of them wider than the screen."""

import re
import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.urls import reverse

from tests.factories import ProgrammeOfficerFactory
from tests.factories.portal import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fits_the_screen(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert width <= 0, f"{page.url} is {width} px wider than the screen"


def test_staff_set_up_totp_right_after_logging_in_on_a_phone(page):
    page.set_viewport_size({"width": 390, "height": 844})
    officer = ProgrammeOfficerFactory(mfa=False)
    visited = []
    page.on("framenavigated", lambda frame: visited.append(frame.url))

    page.goto(reverse("account_login"))
    _fits_the_screen(page)
    page.get_by_label("Email").fill(officer.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.wait_for_url(re.compile(r"/accounts/2fa/totp/activate/"))
    assert not [url for url in visited if "/reauthenticate/" in url], visited
    page.get_by_role("heading", name="Set up an authenticator app").wait_for()
    _fits_the_screen(page)

    secret = page.get_by_test_id("totp-secret").input_value()
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    page.get_by_label("Authenticator code").fill(code)
    page.get_by_role("button", name="Activate").click()

    page.get_by_role("heading", name="Recovery codes").wait_for()
    assert len(page.locator("#recovery_codes").input_value().split()) == 10
    _fits_the_screen(page)

    page.get_by_role("link", name="Two-factor authentication", exact=True).last.click()
    page.get_by_role("heading", name="Two-factor authentication").wait_for()
    page.get_by_role("link", name="Turn off").wait_for()
    _fits_the_screen(page)
