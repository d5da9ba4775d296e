"""In Chromium at 1280 and 390 px: the officer's workspace shows each cut-off's counters, nothing
off screen, and a counter opens the cut-off's list filtered to what it counts, with the "Waiting
on" column. Screenshots go to PORTAL_SCREENSHOTS_DIR when it is set (for a person to look at)."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse

from applications.models import ProposalStatus
from applications.modes import AccessMode
from applications.services.proposals import proposals_waiting_refresh
from reviews.models import TechnicalAssessment
from reviews.services.assessments import assessments_open
from tests.browser_layout import horizontal_overflow
from tests.factories import (
    CallFactory,
    CallPartitionFactory,
    CentreFactory,
    CutOffFactory,
    OrganisationFactory,
    PartitionFactory,
    ProgrammeOfficerFactory,
    ResourceRequestFactory,
    SubmittableProposalFactory,
    advance,
)
from tests.factories.portal import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": 1280, "phone": 390}


@pytest.fixture
def cutoff():
    call = CallFactory(mode=AccessMode.FAST_LANE, title="AI Factories Fast Lane — winter call")
    cutoff = CutOffFactory(call=call)
    bsc, csc = CentreFactory(short_name="BSC"), CentreFactory(short_name="LuxProvide")
    mn5 = CallPartitionFactory(call=call, partition=PartitionFactory(centre=bsc))
    meluxina = CallPartitionFactory(call=call, partition=PartitionFactory(centre=csc))

    def proposal(name, country):
        made = SubmittableProposalFactory(
            cutoff=cutoff,
            title="Multilingual retrieval-augmented assistant for public administrations",
            organisation=OrganisationFactory(legal_name=name, country=country),
            request__offered_partition=mn5,
        )
        ResourceRequestFactory(proposal=made, offered_partition=meluxina, hours=Decimal(20_000))
        return made

    advance(proposal("Tensorwerk Sprachmodelle und Datenanalyse GmbH", "DE"), to="submitted")
    late = advance(proposal("Lumière Intelligence Artificielle SAS", "FR"), to="eligible")
    assessments_open(proposal=late)
    TechnicalAssessment.objects.filter(proposal=late, centre=csc).update(status="overdue")
    proposals_waiting_refresh(proposal_ids=[late.pk])
    advance(proposal("Nordic Foundation Models Oy", "FI"), to=ProposalStatus.WAITLISTED)
    return cutoff


def _off_screen(page) -> list[str]:
    return page.evaluate(
        """() => [...document.querySelectorAll('main *')]
            .filter(e => e.getClientRects().length && e.getBoundingClientRect().right >
                         document.documentElement.clientWidth + 1)
            .map(e => e.tagName + ' ' + (e.textContent || '').trim().slice(0, 40))"""
    )


def _screenshot(page, name: str) -> None:
    folder = os.environ.get("PORTAL_SCREENSHOTS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("device", list(WIDTHS))
def test_the_workspace_fits_the_screen_and_leads_to_the_filtered_list(
    page, live_server, settings, cutoff, device
):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    officer = ProgrammeOfficerFactory(mfa=False)
    page.set_viewport_size({"width": WIDTHS[device], "height": 900})
    page.goto(reverse("reviews:officer_workspace"))
    page.get_by_label("Email").fill(officer.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Workspace").wait_for()

    assert horizontal_overflow(page) == 0, _off_screen(page)
    assert _off_screen(page) == []
    card = page.locator(f"article[data-cutoff='{cutoff.pk}']")
    assert card.locator("[data-counter=eligibility] .fs-4").inner_text() == "1"
    assert card.locator("[data-counter=assessment] .fs-4").inner_text() == "0"  # overdue
    assert card.locator("[data-counter=overdue] .fs-4").inner_text() == "1"
    assert card.locator("[data-counter=waitlisted] .fs-4").inner_text() == "1"
    assert card.get_by_text("(1 overdue)").is_visible()
    _screenshot(page, f"officer-workspace-{device}")

    card.locator("[data-counter=overdue]").click()
    page.get_by_role("heading", name="Submitted proposals").wait_for()
    rows = page.locator("section[aria-labelledby=proposals-heading] tbody tr")
    assert rows.count() == 1
    assert rows.first.get_by_text("Assessment by BSC, LuxProvide (overdue)").is_visible()
    assert horizontal_overflow(page) == 0, _off_screen(page)
    assert _off_screen(page) == []
    _screenshot(page, f"officer-cutoff-waiting-{device}")
