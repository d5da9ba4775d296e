"""In Chromium at 390 px: a reviewer bids on a cut-off's proposals; an officer runs the automatic
assignment, reads the preview and applies it. Nothing overflows the phone's width, and the CSP
lets every page run."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from applications.models import ProposalStatus
from reviews.models import Bid, ReviewAssignment
from tests.browser_layout import horizontal_overflow
from tests.factories import ProgrammeOfficerFactory, ProposalFactory
from tests.factories.portal import PASSWORD
from tests.reviews.pool_world import large_scale_cutoff, pool_reviewer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page, user) -> None:
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_a_reviewer_bids_and_an_officer_applies_the_assignment_on_a_phone(
    page, live_server, settings
):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    cutoff = large_scale_cutoff()
    proposal = ProposalFactory(
        cutoff=cutoff,
        status=ProposalStatus.ELIGIBLE,
        submitted_at=timezone.now(),
        title="Speech model for Basque and Galician",
    )
    reviewer = pool_reviewer(cutoff.call, mfa=False)
    for _ in range(3):
        pool_reviewer(cutoff.call)
    page.set_viewport_size({"width": 390, "height": 900})

    page.goto(live_server.url + reverse("reviews:reviewer_home"))
    _log_in(page, reviewer)
    page.locator("#bid-cutoffs a").first.click()
    assert horizontal_overflow(page) == 0
    page.locator(f"#bid-{proposal.pk}").select_option("eager")
    page.get_by_role("button", name="Save your bids").click()
    expect(page.locator(".alert-success")).to_contain_text("Your bids are saved.")
    assert Bid.objects.get().level == "eager"

    page.context.clear_cookies()
    officer = ProgrammeOfficerFactory(mfa=False)
    page.goto(live_server.url + reverse("reviews:cutoff_assignment", kwargs={"pk": cutoff.pk}))
    _log_in(page, officer)
    page.get_by_role("button", name="Run the automatic assignment").click()
    expect(page.locator("#run-proposals")).to_contain_text("bid: eager")
    assert horizontal_overflow(page) == 0
    page.get_by_role("button", name="Apply this assignment").click()
    expect(page.locator(".alert-success")).to_contain_text("3 assignments made")
    assert horizontal_overflow(page) == 0
    assert ReviewAssignment.objects.filter(reviewer=reviewer, proposal=proposal).exists()
