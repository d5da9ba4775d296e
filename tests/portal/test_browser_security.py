"""In Chromium, under the portal's Content-Security-Policy: the pages that lean on scripts still
work, and the `page` fixture really catches a violation."""

from __future__ import annotations

import pytest

from tests.conftest import _watch_content_security_policy
from tests.factories import ProposalFactory
from tests.factories.portal import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_page_works_under_the_policy(page):
    page.goto("/api/docs/")
    # Swagger UI rendered the schema: its start-up script ran, its styles applied.
    page.locator(".opblock-summary-path", has_text="/api/v1/proposals/").first.wait_for()
    assert (
        page.locator(".swagger-ui .info .title")
        .inner_text()
        .startswith("Compute Access Portal API")
    )


def test_progress_bars_are_sized_without_style_attributes(page):
    proposal = ProposalFactory()
    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(proposal.created_by.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"/proposals/{proposal.pk}/edit/summary/")
    progress = page.locator("#section-nav .progress")
    percent = float(progress.get_attribute("aria-valuenow"))
    assert 0 < percent < 100
    track = progress.bounding_box()["width"]
    bar = progress.locator(".progress-bar").bounding_box()["width"]
    assert bar == pytest.approx(track * percent / 100, abs=2)
    assert progress.evaluate("el => getComputedStyle(el).height") == "6px"


def test_a_violation_of_the_policy_is_reported(browser, live_server):
    """What the `page` fixture relies on: an inline style and an inline script are refused, and
    both refusals reach the list it checks at teardown."""
    context = browser.new_context(base_url=live_server.url)
    try:
        violations = _watch_content_security_policy(context)
        tab = context.new_page()
        tab.goto("/")
        tab.evaluate(
            """() => {
              document.body.insertAdjacentHTML("beforeend", '<p style="color: red">styled</p>');
              const script = document.createElement("script");
              script.textContent = "window.inlineRan = true";
              document.body.append(script);
            }"""
        )
        tab.wait_for_function("() => true")  # let the events be delivered
        tab.wait_for_timeout(300)
        assert tab.evaluate("() => window.inlineRan === undefined")
        joined = " ".join(violations)
        assert "style-src" in joined and "script-src" in joined, violations
    finally:
        context.close()


def test_the_browsable_api_works_under_the_policy(page):
    page.goto("/api/v1/calls/")
    page.get_by_role("heading", name="Call List").wait_for()
    # Its scripts ran: Bootstrap's tooltips, set up by DRF's default.js, took over the titles.
    get = page.locator("a.js-tooltip", has_text="GET")
    assert get.get_attribute("data-original-title").startswith("Make a GET request")
