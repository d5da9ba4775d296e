"""In Chromium at 1280 and 390 px: the officer's cut-off view keeps every column on screen. On a
phone the demand per partition and the proposals stack into labelled blocks; nothing scrolls
sideways. Screenshots go to PORTAL_SCREENSHOTS_DIR when it is set (for a person to look at)."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse

from applications.modes import AccessMode
from applications.services.proposals import proposal_submit, proposal_withdraw
from tests.browser_layout import horizontal_overflow
from tests.factories import (
    CallFactory,
    CallPartitionFactory,
    CutOffFactory,
    CutOffPoolFactory,
    OrganisationFactory,
    PartitionFactory,
    ProgrammeOfficerFactory,
    ProposalFactory,
    ResourceRequestFactory,
)
from tests.factories.portal import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": 1280, "phone": 390}


@pytest.fixture
def cutoff():
    call = CallFactory(mode=AccessMode.FAST_LANE, title="AI Factories Fast Lane — winter call")
    cutoff = CutOffFactory(call=call)
    offered = []
    for system, name, hours in (
        ("MareNostrum 5", "ACC", 100_000),
        ("LUMI", "LUMI-G", 40_000),
        ("Leonardo", "Booster", 80_000),
    ):
        item = CallPartitionFactory(
            call=call, partition=PartitionFactory(system_name=system, name=name)
        )
        CutOffPoolFactory(cutoff=cutoff, offered_partition=item, pool__hours=Decimal(hours))
        offered.append(item)
    people = [
        ("Tensorwerk Sprachmodelle und Datenanalyse GmbH", "DE", [(0, 40_000), (1, 25_000)]),
        ("Lumière Intelligence Artificielle SAS", "FR", [(0, 30_000), (1, 30_000), (2, 20_000)]),
        ("Nordic Foundation Models Oy", "FI", [(2, 50_000)]),
    ]
    for legal_name, country, requests in people:
        proposal = ProposalFactory(
            cutoff=cutoff,
            complete=True,
            title="Multilingual retrieval-augmented assistant for public administrations",
            organisation=OrganisationFactory(legal_name=legal_name, country=country),
        )
        for index, hours in requests:
            ResourceRequestFactory(
                proposal=proposal, offered_partition=offered[index], hours=Decimal(hours)
            )
        proposal = proposal_submit(proposal=proposal, by=proposal.created_by)
    proposal_withdraw(proposal=proposal, by=proposal.created_by, reason="Compute found elsewhere.")
    return cutoff


def _overflow(page) -> int:
    return horizontal_overflow(page)


def _off_screen(page) -> list[str]:
    """Visible elements of the main content whose right edge lies beyond the window."""
    return page.evaluate(
        """() => [...document.querySelectorAll('main *')]
            .filter(e => e.getClientRects().length && e.getBoundingClientRect().right >
                         document.documentElement.clientWidth + 1)
            .map(e => e.tagName + ' ' + (e.textContent || '').trim().slice(0, 40))"""
    )


@pytest.mark.parametrize("device", list(WIDTHS))
def test_cutoff_view_fits_the_screen(page, live_server, settings, cutoff, device):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    officer = ProgrammeOfficerFactory(mfa=False)
    page.set_viewport_size({"width": WIDTHS[device], "height": 900})
    page.goto(reverse("applications:officer_cutoff", args=[cutoff.pk]))
    page.get_by_label("Email").fill(officer.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Requested hours against the pool").wait_for()

    assert _overflow(page) == 0, _off_screen(page)
    assert _off_screen(page) == []
    demand = page.locator("section[aria-labelledby=demand-heading] tbody tr")
    mn5 = demand.filter(has_text="MareNostrum 5 ACC").first
    # Every figure of a partition is visible, Pool and Demand included.
    for text in ("70,000", "100,000", "70 %"):
        assert mn5.get_by_text(text, exact=False).first.is_visible(), text
    lumi = demand.filter(has_text="LUMI LUMI-G").first
    assert lumi.get_by_text("oversubscribed").is_visible()  # 55,000 of 40,000
    rows = page.locator("section[aria-labelledby=proposals-heading] tbody tr")
    assert rows.count() == 3
    for row in range(3):
        assert rows.nth(row).get_by_role("link").is_visible()
    if device == "phone":
        # Stacked: the figures are labelled, since the column headings are hidden.
        assert mn5.get_by_text("Pool:").is_visible()
        assert mn5.get_by_text("Requested:").is_visible()
        assert not page.locator("section[aria-labelledby=demand-heading] thead").is_visible()
    else:
        assert page.locator("section[aria-labelledby=demand-heading] thead").is_visible()
        assert not mn5.get_by_text("Pool:").is_visible()

    folder = os.environ.get("PORTAL_SCREENSHOTS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"officer-cutoff-{device}.png"), full_page=True)
