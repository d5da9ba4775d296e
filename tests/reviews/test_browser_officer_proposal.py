"""In Chromium at 1280 and 390 px: the officer goes from the cut-off's list to their view of a
proposal, reads it without anything off screen, and takes the step the table allows; the
reviewer's page fits a phone too. Screenshots go to PORTAL_SCREENSHOTS_DIR when it is set."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from applications.models import ProposalStatus
from tests.browser_layout import horizontal_overflow
from tests.factories import ProgrammeOfficerFactory, ReviewerFactory
from tests.factories.portal import PASSWORD
from tests.reviews.test_officer_proposal import PANEL_COMMENT, assessed_proposal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": 1280, "phone": 390}


def _log_in(page, user) -> None:
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def _screenshot(page, name: str) -> None:
    folder = os.environ.get("PORTAL_SCREENSHOTS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("device", list(WIDTHS))
def test_the_officer_reads_a_proposal_and_starts_its_review(
    page, live_server, settings, django_capture_on_commit_callbacks, device
):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    proposal = assessed_proposal(django_capture_on_commit_callbacks, requests=2, attachments=2)
    officer = ProgrammeOfficerFactory(mfa=False)
    page.set_viewport_size({"width": WIDTHS[device], "height": 900})
    page.goto(live_server.url + reverse("applications:officer_cutoff", args=[proposal.cutoff_id]))
    _log_in(page, officer)
    page.get_by_role("link", name=proposal.reference).click()
    expect(page).to_have_url(re.compile(rf"/evaluation/proposals/{proposal.pk}/$"))
    page.get_by_role("heading", name="Where it stands").wait_for()
    assert horizontal_overflow(page) == 0
    expect(page.get_by_text(PANEL_COMMENT).first).to_be_visible()
    expect(page.get_by_role("heading", name="Audit trail")).to_be_visible()
    _screenshot(page, f"officer-proposal-{device}")
    page.get_by_role("button", name="Start review").click()
    expect(page.locator(".alert-success")).to_contain_text(proposal.reference)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.IN_REVIEW
    assert horizontal_overflow(page) == 0


def test_the_reviewers_page_fits_a_phone(page, live_server, settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    reviewer = ReviewerFactory(mfa=False)
    page.set_viewport_size({"width": 390, "height": 900})
    page.goto(live_server.url + reverse("reviews:reviewer_home"))
    _log_in(page, reviewer)
    page.get_by_role("heading", name="How reviewing works").wait_for()
    assert horizontal_overflow(page) == 0
    _screenshot(page, "reviewer-home-phone")
