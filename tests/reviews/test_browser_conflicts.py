"""In Chromium at 390 px: a reviewer accepts the call's terms, checks a proposal and declares a
conflict; an officer runs the detection and dismisses a detected conflict with a reason. Nothing
overflows the phone's width, and the CSP lets every page run."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from reviews.models import DeclaredConflict, DetectedConflict
from tests.browser_layout import horizontal_overflow
from tests.factories import MembershipFactory, ProgrammeOfficerFactory
from tests.factories.portal import PASSWORD
from tests.reviews.pool_world import large_scale_cutoff, pool_reviewer, submitted_proposal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page, user) -> None:
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_a_reviewer_declares_and_an_officer_dismisses_on_a_phone(page, live_server, settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    cutoff = large_scale_cutoff()
    proposal = submitted_proposal(cutoff, title="Speech model for Basque and Galician")
    other = submitted_proposal(cutoff)
    reviewer = pool_reviewer(cutoff.call, terms=False, mfa=False)
    MembershipFactory(organisation=other.organisation, user=reviewer)
    page.set_viewport_size({"width": 390, "height": 900})

    page.goto(live_server.url + reverse("reviews:reviewer_home"))
    _log_in(page, reviewer)
    page.get_by_role("link", name=f"Confidentiality terms of {cutoff.call.title}").click()
    page.get_by_role("button", name="I accept the confidentiality terms").click()
    page.get_by_role("link", name="Speech model for Basque and Galician").click()
    assert horizontal_overflow(page) == 0
    page.get_by_label("Kind of conflict").select_option("collaboration")
    page.get_by_label("Note").fill("We wrote a paper together in 2024.")
    page.get_by_role("button", name="Declare the conflict").click()
    expect(page.locator(".alert-success")).to_contain_text("goes to other reviewers")
    assert DeclaredConflict.objects.get().proposal == proposal
    assert horizontal_overflow(page) == 0

    page.context.clear_cookies()
    officer = ProgrammeOfficerFactory(mfa=False)
    page.goto(live_server.url + reverse("reviews:cutoff_conflicts", kwargs={"pk": cutoff.pk}))
    _log_in(page, officer)
    page.get_by_role("button", name="Run the detection again").click()
    expect(page.locator("#conflicts")).to_contain_text("is a member of")
    assert horizontal_overflow(page) == 0
    conflict = DetectedConflict.objects.get()
    page.locator(f"#reason-{conflict.pk}").fill("Left the company in 2015.")
    page.locator(f"#conflict-{conflict.pk}").get_by_role("button", name="Dismiss").click()
    expect(page.locator(f"#conflict-{conflict.pk}")).to_contain_text("Left the company in 2015.")
    conflict.refresh_from_db()
    assert conflict.status == DetectedConflict.Status.DISMISSED
    assert horizontal_overflow(page) == 0
