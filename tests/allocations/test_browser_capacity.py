"""The capacity workspace in Chromium: it fits a phone (390 px) and a laptop (1280 px) without
sideways scrolling, with every figure of a pool readable."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse

from allocations.services import pool_reserve
from tests.allocations.test_capacity import programme, submitted  # noqa: F401
from tests.factories import OrganisationFactory, ProgrammeOfficerFactory
from tests.portal.test_browser_phone_width import _overflow, _sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Set to a folder to keep screenshots of the pages (outside the repository).
SHOTS = os.environ.get("PORTAL_SCREENSHOT_DIR", "")


@pytest.mark.parametrize("width", [390, 1280])
def test_the_capacity_workspace_fits_the_screen(page, live_server, programme, width):  # noqa: F811
    p = programme
    officer = ProgrammeOfficerFactory()
    submitted(p["fast_next"], p["fast_gpu"], 45_000)
    submitted(p["fast_next"], p["fast_gpu"], 32_500)
    pool = p["fast_next"].pools.get(offered_partition=p["fast_gpu"]).pool
    for n, hours in enumerate((45_000, 12_345.5)):
        pool_reserve(
            pool=pool, hours=Decimal(hours), holder=OrganisationFactory(),
            reference=f"AWD-{n}", by=officer,
        )  # fmt: skip
    _sign_in(page, live_server, p["admin"].user)
    page.set_viewport_size({"width": width, "height": 900})

    response = page.goto(live_server.url + reverse("applications:dashboard"))
    assert response.status == 200
    if width < 992:  # the menu folds away on narrow screens
        page.get_by_role("button", name="Toggle navigation").click()
    page.get_by_role("link", name="Centres", exact=True).click()
    page.wait_for_url(f"**{reverse('allocations:capacity')}")
    line = page.locator(f"#pool-{pool.pk}")
    assert "57,345.50 reserved" in line.inner_text()
    assert "342,654.50 free" in line.inner_text()
    assert line.locator(".free").is_visible()
    scroll_width, viewport = _overflow(page)
    assert viewport == width
    assert scroll_width <= viewport, f"the page is {scroll_width} px wide on {viewport} px"
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/capacity-{width}.png", full_page=True)
        centre = reverse("allocations:centre_detail", kwargs={"pk": p["admin"].centre_id})
        page.goto(live_server.url + centre + "#capacity")
        assert _overflow(page)[0] <= width
        page.screenshot(path=f"{SHOTS}/centre-{width}.png", full_page=True)
