"""In Chromium at 1280 and 390 px: the officer's eligibility pages (a cut-off's list, the bulk
confirmation, a proposal's checklist and outcome, the call's checklist) fit the screen, and an
ineligible outcome without a reason keeps what was ticked. Screenshots go to
PORTAL_SCREENSHOTS_DIR when it is set (for a person to look at)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.urls import reverse

from applications.services.proposals import proposal_submit
from tests.browser_layout import horizontal_overflow
from tests.factories import (
    CutOffFactory,
    OrganisationFactory,
    ProgrammeOfficerFactory,
    SubmittableProposalFactory,
)
from tests.factories.portal import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": 1280, "phone": 390}


def _overflow(page) -> int:
    return horizontal_overflow(page)


def _shot(page, name: str) -> None:
    folder = os.environ.get("PORTAL_SCREENSHOTS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("device", list(WIDTHS))
def test_eligibility_pages_fit_the_screen(page, live_server, settings, device):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    cutoff = CutOffFactory()
    proposals = []
    for legal_name in (
        "Tensorwerk Sprachmodelle und Datenanalyse GmbH",
        "Lumière Intelligence Artificielle SAS",
    ):
        draft = SubmittableProposalFactory(
            cutoff=cutoff, organisation=OrganisationFactory(legal_name=legal_name)
        )
        proposals.append(proposal_submit(proposal=draft, by=draft.created_by))
    failing = proposals[1]
    failing.civilian_use_confirmed = False
    failing.save()
    officer = ProgrammeOfficerFactory(mfa=False)
    page.set_viewport_size({"width": WIDTHS[device], "height": 900})
    page.goto(reverse("reviews:eligibility_cutoff", args=[cutoff.pk]))
    page.get_by_label("Email").fill(officer.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Eligibility to check").wait_for()
    assert page.locator("#awaiting tbody tr").count() == 2
    assert page.get_by_text("Lumière Intelligence Artificielle SAS").is_visible()
    assert page.get_by_text("Civilian use only was not confirmed", exact=False).is_visible()
    _shot(page, f"eligibility-cutoff-{device}")
    assert _overflow(page) == 0

    page.get_by_role("button", name="Mark eligible the 1 that pass").click()
    page.get_by_role("heading", name="Mark 1 proposal eligible?").wait_for()
    assert page.locator("#bulk-list li").count() == 1
    _shot(page, f"eligibility-bulk-{device}")
    assert _overflow(page) == 0

    page.goto(reverse("reviews:eligibility_proposal", args=[failing.pk]))
    manual = page.locator("#checklist input[type=checkbox]").first
    manual.check()
    page.get_by_label("Not eligible").check()
    page.get_by_role("button", name="Record the outcome").click()
    page.get_by_text("Give the reason the applicant will read").wait_for()
    assert page.locator("#checklist input[type=checkbox]").first.is_checked()
    assert page.get_by_label("Not eligible").is_checked()
    _shot(page, f"eligibility-proposal-{device}")
    assert _overflow(page) == 0

    page.goto(reverse("reviews:eligibility_checklist", args=[cutoff.call_id]))
    page.get_by_role("heading", name="Eligibility checklist").wait_for()
    _shot(page, f"eligibility-checklist-{device}")
    assert _overflow(page) == 0
