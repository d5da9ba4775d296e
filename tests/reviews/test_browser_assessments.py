"""The assessor's workspace in Chromium: reached from the menu, it fits a phone (390 px) and a
laptop (1280 px); a bad figure is refused with the comments kept."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from applications.models import ProposalStatus
from reviews.models import TechnicalAssessment
from tests.factories import (
    CallPartitionFactory,
    CentreMembershipFactory,
    PartitionFactory,
    ResourceRequestFactory,
    SubmittableProposalFactory,
    advance,
)
from tests.portal.test_browser_phone_width import _overflow, _sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("PORTAL_SCREENSHOT_DIR", "")
LONG_TITLE = "Multilingual retrieval-augmented foundation model for public administrations"


def _fits(page, width: int, name: str) -> None:
    scroll_width, viewport = _overflow(page)
    assert viewport == width
    assert scroll_width <= viewport, f"{name} is {scroll_width} px wide on {viewport} px"
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}-{width}.png", full_page=True)


@pytest.mark.parametrize("width", [390, 1280])
def test_the_assessor_workspace_fits_and_keeps_what_was_typed(page, live_server, width):
    member = CentreMembershipFactory(centre__short_name="BSC")
    for n in range(3):
        proposal = SubmittableProposalFactory(request=False, title=f"{LONG_TITLE} {n}")
        ResourceRequestFactory(
            proposal=proposal,
            offered_partition=CallPartitionFactory(
                call=proposal.call, partition=PartitionFactory(centre=member.centre)
            ),
        )
        advance(proposal, to=ProposalStatus.ELIGIBLE)  # the receiver opens the assessment
    first = TechnicalAssessment.objects.order_by("pk").first()
    TechnicalAssessment.objects.filter(pk=first.pk).update(
        status="overdue", deadline=timezone.now() - timezone.timedelta(days=1)
    )
    _sign_in(page, live_server, member.user)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(live_server.url + reverse("applications:dashboard"))
    if width < 992:  # the menu folds away on narrow screens
        page.get_by_role("button", name="Toggle navigation").click()
    page.get_by_role("link", name="Assessments", exact=True).click()
    page.wait_for_url(f"**{reverse('reviews:assessment_list')}")
    waiting = page.locator("#waiting")
    assert waiting.locator("li").count() == 3
    assert "Overdue" in waiting.locator("li").first.inner_text()
    _fits(page, width, "assessments")

    waiting.locator("li a").first.click()
    page.get_by_label("Feasible with changes").check()
    page.get_by_label("Recommended hours").fill("999999")
    page.get_by_label("Comment to the panel").fill("Queues are long in December.")
    page.get_by_role("button", name="Submit the assessment").click()
    assert "Recommend at most the 20,000 hours requested." in page.content()
    assert page.get_by_label("Comment to the panel").input_value() == (
        "Queues are long in December."
    )
    _fits(page, width, "assessment-form")
    page.get_by_label("Recommended hours").fill("18000")
    page.get_by_role("button", name="Submit the assessment").click()
    page.wait_for_url(f"**{reverse('reviews:assessment_list')}")
    assert "Your technical assessment was submitted." in page.content()
    assert page.locator("#submitted li").count() == 1
    _fits(page, width, "assessments-after")
