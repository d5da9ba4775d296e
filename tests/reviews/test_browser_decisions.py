"""The officer's decision pages in Chromium: from the cut-off to a proposal's decision, they fit
a phone (390 px) and a laptop (1280 px); an award above the recommendation without a reason is
refused with the hours kept, then awarded with a reason; the cut-off lists the rest."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from allocations.models import Allocation
from applications.models import Proposal, ProposalStatus
from tests.browser_layout import horizontal_overflow
from tests.factories import ProgrammeOfficerFactory
from tests.portal.test_browser_phone_width import _sign_in
from tests.reviews.decision_world import fcfs_cutoff, ready_proposal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [390, 1280])
def test_the_officer_decides_from_the_cutoff_within_capacity(page, live_server, width):
    officer = ProgrammeOfficerFactory()
    cutoff, links = fcfs_cutoff(pool_hours=Decimal(100_000))
    first, second = (
        ready_proposal(cutoff, links, recommended=18_000, officer=officer) for _ in range(2)
    )
    _sign_in(page, live_server, officer)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(live_server.url + reverse("applications:officer_cutoff", kwargs={"pk": cutoff.pk}))
    page.locator("#decisions-link").click()
    page.wait_for_url(f"**{reverse('reviews:decision_cutoff', kwargs={'pk': cutoff.pk})}")
    ready = page.locator("#ready tbody tr")
    assert ready.count() == 2
    assert first.reference in ready.first.inner_text()  # submission order
    assert horizontal_overflow(page) == 0

    ready.first.get_by_role("link", name="Decide").click()
    hours = page.get_by_label("Hours on")
    assert hours.input_value() == "18000"
    hours.fill("20000")
    page.get_by_role("button", name="Award the hours").click()
    assert "more than the 18,000 the centre recommends" in page.content()
    assert page.get_by_label("Hours on").input_value() == "20000"
    assert horizontal_overflow(page) == 0
    page.get_by_label("Why award more than recommended").fill("Agreed with the centre.")
    page.get_by_role("button", name="Award the hours").click()
    page.wait_for_url(f"**{reverse('reviews:decision_cutoff', kwargs={'pk': cutoff.pk})}")
    assert "awarded; the hours are reserved" in page.content()
    assert page.locator("#ready tbody tr").count() == 1
    assert Proposal.objects.get(pk=first.pk).status == ProposalStatus.AWARDED
    assert Allocation.objects.get().hours == 20_000
    assert second.reference in page.locator("#ready").inner_text()
