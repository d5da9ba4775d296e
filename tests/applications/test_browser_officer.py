"""In Chromium: a programme officer sets up a Fast Lane call (mode defaults, a continuous cut-off
schedule, two partitions from the catalogue, pool hours), is stopped with a clear message when
publishing too early or typing a minimum above the maximum, publishes; a visitor finds the call
with its next cut-off and zone; once proposals are submitted the officer sees them against the
pool and narrows the list by country."""

from __future__ import annotations

import re
import zoneinfo
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from allocations.catalogue import catalogue_seed
from allocations.models import Partition
from applications.deadlines import format_deadline
from applications.models import Call, CallPartition, CutOff
from applications.services.proposals import proposal_submit
from tests.factories import (
    OrganisationFactory,
    ProgrammeOfficerFactory,
    ProposalFactory,
    ResourceRequestFactory,
)
from tests.factories.portal import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")


def field(name: str) -> re.Pattern:
    """A form label exactly, with or without the asterisk of a required field."""
    return re.compile(rf"^\s*{re.escape(name)}\s*\*?\s*$")


@pytest.fixture
def officer(settings):
    # The TOTP gate for staff has its own browser test; this one is about calls.
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    return ProgrammeOfficerFactory(
        email="officer@programme.example", first_name="Ines", last_name="Moreau", mfa=False
    )


@pytest.fixture
def catalogue():
    catalogue_seed()
    return (
        Partition.objects.get(system_name="MareNostrum 5", name="ACC"),
        Partition.objects.get(system_name="LUMI", name="LUMI-G"),
    )


def _submitted(cutoff, *, country: str, legal_name: str, requests):
    """A founder's complete proposal for `cutoff`, submitted through the service."""
    proposal = ProposalFactory(
        cutoff=cutoff,
        complete=True,
        organisation=OrganisationFactory(legal_name=legal_name, country=country),
    )
    for offered, hours in requests:
        ResourceRequestFactory(proposal=proposal, offered_partition=offered, hours=Decimal(hours))
    return proposal_submit(proposal=proposal, by=proposal.created_by)


def test_officer_sets_up_publishes_and_follows_a_fast_lane_call(
    page, browser, live_server, officer, catalogue
):
    mn5, lumi = catalogue
    opens = (timezone.now().astimezone(BRUSSELS) - timedelta(days=1)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    closes = opens + timedelta(days=100)

    # --- Log in and create the call ---------------------------------------------------------
    page.goto(reverse("applications:officer_calls"))
    page.get_by_label("Email").fill(officer.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Calls", exact=True).wait_for()
    page.get_by_role("link", name="New call").click()

    page.get_by_label(field("Title")).fill("AI Factories Fast Lane — spring")
    page.get_by_label("Access mode").select_option("fast_lane")
    page.get_by_label(field("Summary")).fill("Fast access to GPU hours for AI startups.")
    page.get_by_label(field("Description")).fill("Up to 50,000 GPU-hours, answered fast.")
    assert page.get_by_label("Time zone of the call").input_value() == "Europe/Brussels"
    page.get_by_label(field("Opens")).fill(opens.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label(field("Closes")).fill(closes.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Create the call").click()

    # The mode's defaults were copied onto the call and are shown.
    page.get_by_text("created with the Fast Lane defaults").wait_for()
    call = Call.objects.get(title="AI Factories Fast Lane — spring")
    assert (list(call.durations_months), call.days_to_access) == ([1, 2, 3], 4)
    page.get_by_text("1, 2, 3 months; a decision within 4 working days of submission").wait_for()
    page.get_by_text("Fast Lane defaults: 10,000 – 50,000 GPU-hours").wait_for()

    # --- Publishing too early is refused with what is missing -------------------------------
    page.get_by_role("button", name="Publish", exact=True).click()
    page.get_by_text(
        "The call cannot be published yet: Add at least one cut-off. Offer at least one partition."
    ).wait_for()
    call.refresh_from_db()
    assert not call.is_published

    # --- A continuous schedule: the 1st and 15th of each month at 10:00 Brussels time --------
    schedule = page.locator("form[action$='/cutoffs/schedule/']")
    schedule.get_by_label("Days of the month").fill("1, 15")
    schedule.get_by_label(field("Time")).fill("10:00")
    assert schedule.get_by_label("Time zone").input_value() == "Europe/Brussels"
    schedule.get_by_role("button", name="Add these cut-offs").click()
    cutoffs = list(CutOff.objects.filter(call=call).order_by("at"))
    assert len(cutoffs) >= 6  # 100 days, two a month
    page.get_by_text(f"{len(cutoffs)} cut-offs added.").wait_for()
    for cutoff in cutoffs:
        local = cutoff.at.astimezone(BRUSSELS)
        assert (local.day in (1, 15), local.hour, local.minute) == (True, 10, 0), local

    # --- Two partitions from the catalogue; a minimum above the maximum is caught ------------
    offer = page.locator("form[action$='/partitions/']")
    offer.get_by_label("Partition").select_option(str(mn5.pk))
    offer.get_by_label("Minimum request").fill("60000")
    offer.get_by_label("Maximum request").fill("20000")
    offer.get_by_label("Capacity per cut-off").fill("80000")
    offer.get_by_role("button", name="Offer the partition").click()
    page.get_by_text("The maximum must be at least the minimum.").wait_for()
    offer = page.locator("form[action$='/partitions/']")
    assert offer.get_by_label("Partition").input_value() == str(mn5.pk)
    assert offer.get_by_label("Minimum request").input_value() == "60000"
    assert offer.get_by_label("Maximum request").input_value() == "20000"
    assert offer.get_by_label("Capacity per cut-off").input_value() == "80000"
    assert not CallPartition.objects.filter(call=call).exists()

    # Left empty, the limits are the mode's defaults.
    offer.get_by_label("Minimum request").fill("")
    offer.get_by_label("Maximum request").fill("")
    offer.get_by_role("button", name="Offer the partition").click()
    page.get_by_text(f"{mn5} is offered in the call.").wait_for()
    offered_mn5 = CallPartition.objects.get(call=call, partition=mn5)
    assert (offered_mn5.min_hours, offered_mn5.max_hours) == (10_000, 50_000)

    offer = page.locator("form[action$='/partitions/']")
    offer.get_by_label("Partition").select_option(str(lumi.pk))
    offer.get_by_label("Capacity per cut-off").fill("30000")
    offer.get_by_role("button", name="Offer the partition").click()
    page.get_by_text(f"{lumi} is offered in the call.").wait_for()
    offered_lumi = CallPartition.objects.get(call=call, partition=lumi)

    # --- Pool hours: more for the next cut-off on MareNostrum 5 ----------------------------
    # The opening was yesterday, so the earliest cut-off may already have passed.
    first = next(cutoff for cutoff in cutoffs if cutoff.at > timezone.now())
    capacity = page.locator("#capacity")
    pool_field = capacity.locator(f"input[name=pool_{first.pk}_{offered_mn5.pk}]")
    assert pool_field.input_value() == "80000"
    pool_field.fill("100000")
    capacity.get_by_role("button", name="Save the capacity").click()
    page.get_by_text("Capacity saved (1 pool changed).").wait_for()

    # --- Publish ----------------------------------------------------------------------------
    page.get_by_role("button", name="Publish", exact=True).click()
    page.get_by_text("The call is published and listed on the home page.").wait_for()
    call.refresh_from_db()
    assert call.is_published

    # --- An anonymous visitor sees it on the home page, with the next cut-off and its zone ---
    visitor_context = browser.new_context(base_url=live_server.url, timezone_id="Europe/Brussels")
    visitor = visitor_context.new_page()
    visitor.goto("/")
    card = visitor.locator(f"article[aria-labelledby='call-{call.pk}-title']")
    card.get_by_role("heading", name="AI Factories Fast Lane — spring").wait_for()
    next_cutoff = card.locator("time").inner_text()
    assert next_cutoff == format_deadline(first.at, "Europe/Brussels")
    assert re.fullmatch(r"\d{1,2} \w{3} \d{4}, 10:00 CES?T \(Europe/Brussels\)", next_cutoff)
    assert "MareNostrum 5 ACC (BSC)" in card.inner_text()
    visitor_context.close()

    # --- Founders submit for the next cut-off; the officer follows the demand ---------------
    german = _submitted(
        first,
        country="DE",
        legal_name="Tensorwerk GmbH",
        requests=[(offered_mn5, 40_000), (offered_lumi, 12_000)],
    )
    french = _submitted(
        first,
        country="FR",
        legal_name="Lumière IA SAS",
        requests=[(offered_mn5, 20_000)],
    )

    page.reload()
    page.locator(
        f"#cutoffs a[href='{reverse('applications:officer_cutoff', args=[first.pk])}']"
    ).click()
    page.get_by_role("heading", name=re.compile(r"^Cut-off ")).wait_for()
    listed = page.locator("section[aria-labelledby=proposals-heading] tbody")
    assert german.reference in listed.inner_text() and french.reference in listed.inner_text()

    demand = page.locator("section[aria-labelledby=demand-heading] tbody tr")
    mn5_row = demand.filter(has_text=str(mn5)).inner_text()
    assert "60,000" in mn5_row and "100,000" in mn5_row and "60 %" in mn5_row, mn5_row
    lumi_row = demand.filter(has_text=str(lumi)).inner_text()
    assert "12,000" in lumi_row and "30,000" in lumi_row and "40 %" in lumi_row, lumi_row

    # Every proposal of a cut-off shares the call's mode: no mode filter here.
    filters = page.get_by_role("form", name="Filter the proposals")
    assert filters.get_by_label("Mode").count() == 0
    filters.get_by_label("Country").select_option("DE")
    filters.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"country=DE"))
    listed = page.locator("section[aria-labelledby=proposals-heading] tbody")
    assert german.reference in listed.inner_text()
    assert french.reference not in listed.inner_text()
    assert page.get_by_label("Country").input_value() == "DE"
    # The demand above still counts the whole cut-off, whatever the filters.
    assert "60 %" in page.locator("section[aria-labelledby=demand-heading]").inner_text()
