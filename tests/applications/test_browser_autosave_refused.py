"""In Chromium: an autosave the server refuses says so on the page, and keeps what was typed.

htmx does not swap 4xx answers by itself; the proposal form's script swaps the save status the
portal sends with a 400 (no usable version), and says "Not saved" for an answer that is not a
save status at all (a proxy's or Django's own error page)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from applications.views.proposals.sections import BAD_VERSION_MESSAGE
from tests.applications.test_browser_founder import founder_and_call, log_in
from tests.applications.test_browser_proposal_form import a_draft

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

__all__ = ["founder_and_call"]  # the fixture, shared with the founder's journey


def _summary(page, founder_and_call):
    founder, organisation, call, _mn5 = founder_and_call
    proposal = a_draft(founder, organisation, call, title="Legal drafting model")
    page.goto(reverse("applications:proposal_section", args=[proposal.pk, "summary"]))
    log_in(page)
    page.get_by_label("Title").wait_for()
    return proposal


def test_a_refused_version_is_shown_and_the_typing_kept(page, founder_and_call):
    proposal = _summary(page, founder_and_call)
    # The page's version is no longer a number (a broken page, an extension, a hand-made post).
    page.locator("#proposal-version").evaluate("input => { input.value = 'seven'; }")
    page.get_by_label("Title").fill("Legal drafting model for European SMEs")

    status = page.locator("#save-status [data-save-state=errors]")
    status.wait_for()
    assert "Not saved" in status.inner_text()
    assert BAD_VERSION_MESSAGE in page.locator("#form-errors").inner_text()
    assert page.get_by_label("Title").input_value() == "Legal drafting model for European SMEs"
    proposal.refresh_from_db()
    assert (proposal.title, proposal.version) == ("Legal drafting model", 1)
    # The page is not handed the latest version behind the user's back: a later save is refused
    # too, rather than saved over whatever it would have conflicted with.
    assert page.locator("#proposal-version").input_value() == "seven"
    page.get_by_label("Acronym").fill("LEXDRAFT")
    page.wait_for_function("() => document.querySelector('#form-errors').textContent !== ''")
    proposal.refresh_from_db()
    assert (proposal.acronym, proposal.version) == ("", 1)

    # Reloading brings the typed text back from the browser's copy and saves it.
    page.reload()
    page.locator("#draft-restored").wait_for()
    page.locator("#save-status [data-save-state=saved]").wait_for()
    proposal.refresh_from_db()
    assert proposal.title == "Legal drafting model for European SMEs"
    assert proposal.acronym == "LEXDRAFT"


def test_an_error_page_instead_of_a_save_status_says_not_saved(page, founder_and_call):
    proposal = _summary(page, founder_and_call)
    # Something between the browser and the portal answers with its own page.
    page.route(
        "**/autosave/**",
        lambda route: route.fulfill(
            status=400, content_type="text/html", body="<h1>Bad Request (400)</h1>"
        ),
    )
    page.get_by_label("Title").fill("Legal drafting model for European SMEs")
    status = page.locator("#save-status [data-save-state=failed]")
    status.wait_for()
    assert "Not saved: the portal answered with an error (400)." in status.inner_text()
    assert "Bad Request" not in page.locator("main").inner_text()
    assert page.get_by_label("Title").input_value() == "Legal drafting model for European SMEs"
    proposal.refresh_from_db()
    assert proposal.title == "Legal drafting model"
