"""In Chromium at 1280 and 390 px: the time to access on the officer's cut-off view (figures and
the column) and the closure-day page fit the screen, with nothing off to the side on a phone.
Screenshots go to PORTAL_SCREENSHOTS_DIR when it is set (for a person to look at)."""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from applications.models import ClosureDay, Proposal, ProposalStatus
from applications.modes import AccessMode
from applications.services.proposals import proposal_submit
from tests.browser_layout import horizontal_overflow
from tests.factories import (
    CallFactory,
    CutOffFactory,
    OrganisationFactory,
    ProgrammeOfficerFactory,
    SubmittableProposalFactory,
)
from tests.factories.portal import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": 1280, "phone": 390}


@pytest.fixture
def cutoff():
    """A Fast Lane cut-off with proposals submitted over the last two weeks: decided in time,
    decided late, overdue, and still running."""
    call = CallFactory(mode=AccessMode.FAST_LANE, title="AI Factories Fast Lane — winter call")
    cutoff = CutOffFactory(call=call)
    now = timezone.now()
    people = [
        ("Tensorwerk Sprachmodelle und Datenanalyse GmbH", "DE", 12, 2),
        ("Lumière Intelligence Artificielle SAS", "FR", 14, 13),
        ("Nordic Foundation Models Oy", "FI", 10, None),
        ("Adriatic Vision Labs d.o.o.", "HR", 1, None),
    ]
    for legal_name, country, days_ago, decided_after in people:
        proposal = SubmittableProposalFactory(
            cutoff=cutoff,
            title="Multilingual retrieval-augmented assistant for public administrations",
            organisation=OrganisationFactory(legal_name=legal_name, country=country),
        )
        proposal = proposal_submit(proposal=proposal, by=proposal.created_by)
        submitted = now - timedelta(days=days_ago)
        changes = {"submitted_at": submitted}
        if decided_after is not None:
            changes |= {
                "status": ProposalStatus.AWARDED,
                "decided_at": submitted + timedelta(days=decided_after),
            }
        Proposal.objects.filter(pk=proposal.pk).update(**changes)
    return cutoff


def _overflow(page) -> int:
    return horizontal_overflow(page)


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


def _log_in(page, url: str) -> None:
    officer = ProgrammeOfficerFactory(mfa=False)
    page.goto(url)
    page.get_by_label("Email").fill(officer.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


@pytest.mark.parametrize("device", list(WIDTHS))
def test_time_to_access_on_the_cutoff_view_fits_the_screen(
    page, live_server, settings, cutoff, device
):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    page.set_viewport_size({"width": WIDTHS[device], "height": 900})
    _log_in(page, reverse("applications:officer_cutoff", args=[cutoff.pk]))
    page.get_by_role("heading", name="Time to access").wait_for()

    assert _overflow(page) == 0, _off_screen(page)
    assert _off_screen(page) == []
    figures = page.locator("#clock-figures")
    assert figures.get_by_text("Decided within the promise").is_visible()
    assert figures.get_by_text("Overdue, not decided").is_visible()
    rows = page.locator("section[aria-labelledby=proposals-heading] tbody tr")
    assert rows.count() == 4
    clocks = page.locator("section[aria-labelledby=proposals-heading] td[data-clock]")
    assert clocks.count() == 4
    for index in range(4):
        assert clocks.nth(index).is_visible()
    assert page.get_by_text("Overdue by", exact=False).first.is_visible()
    assert page.get_by_text("Decided in", exact=False).first.is_visible()
    if device == "phone":
        assert clocks.first.get_by_text("Time to access:").is_visible()
    else:
        assert page.get_by_role("columnheader", name="Time to access").is_visible()
    _screenshot(page, f"time-to-access-cutoff-{device}")


@pytest.mark.parametrize("device", list(WIDTHS))
def test_the_closure_day_page_fits_the_screen(page, live_server, settings, device):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    today = timezone.localdate()
    # Two weekdays ahead (never a weekend: those are refused).
    ahead = [
        today + timedelta(days=d) for d in range(20, 40) if (today + timedelta(d)).weekday() < 5
    ]
    ClosureDay.objects.create(date=ahead[0], reason="Office closed for the staff away-day")
    page.set_viewport_size({"width": WIDTHS[device], "height": 900})
    _log_in(page, reverse("applications:officer_closure_days"))
    page.get_by_role("heading", name="Closure days", exact=True).wait_for()
    assert _overflow(page) == 0, _off_screen(page)

    # Add one through the form; it is listed and the form is empty again.
    day = next(d for d in ahead[1:] if d not in _public_holidays(d))
    page.locator("#id_date").fill(day.isoformat())
    page.locator("#id_reason").fill("Office closed between Christmas and New Year")
    page.get_by_role("button", name="Add closure day").click()
    page.get_by_text("is a closure day: it no longer counts as a working day").wait_for()
    assert ClosureDay.objects.filter(date=day).exists()
    table = page.locator("section[aria-labelledby=closure-heading] tbody tr")
    assert table.count() == 2
    assert page.get_by_role("button", name=f"Remove the closure day of {day.day}").is_visible()
    assert _overflow(page) == 0, _off_screen(page)
    assert _off_screen(page) == []
    _screenshot(page, f"closure-days-{device}")


def _public_holidays(day: date):
    from applications.working_days import WorkingCalendar

    return WorkingCalendar().public_holidays(day.year)
