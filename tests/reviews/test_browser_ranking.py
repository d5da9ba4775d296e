"""The panel ranking in Chromium, on a phone (390 px): the officer opens the ranking of a cut-off
with three proposals in the panel, writes a panel note on one from its notes page, moves the last
one to the top with a reason through the one move form (a wrong position first: what was typed
stays), closes the panel,
previews and applies the funding line, releases the held decision mails, and the founders' mails
arrive (the awarded one with its hours, the waitlisted one with the reviewers' comments and
nothing said to the panel only). The ranking page fits 390 and 1280 px at each step."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail as django_mail
from django.urls import reverse

from applications.models import Proposal, ProposalStatus
from tests.browser_layout import horizontal_overflow
from tests.factories import ProgrammeOfficerFactory, panel_proposal, ranking_cutoff
from tests.factories.ranking import PANEL_ONLY, TO_APPLICANT_REVIEW
from tests.portal.test_browser_phone_width import _sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REASON = "The panel rates its industrial partner above what the reviewers saw."


def _world(officer):
    """A cut-off whose pool holds two of the three proposals' 20,000 hours; the weighted scores
    order them best, middle, last."""
    cutoff, link, criteria = ranking_cutoff(pool_hours=Decimal(40_000))
    best, middle, last = (
        panel_proposal(cutoff, link, criteria, scores=(s, s), officer=officer)
        for s in ((5, 5), (4, 4), (3, 3))
    )
    return cutoff, best, middle, last


def _rows(page) -> list[str]:
    return [row.get_attribute("id") for row in page.locator("#ranking tr.ranking-row").all()]


def _post_and_wait(page, click, path: str, expect=(200, 302)) -> None:
    """Click a submit button and wait for the portal's answer to the POST it makes."""
    with page.expect_response(lambda r: r.request.method == "POST" and path in r.url) as answer:
        click()
    assert answer.value.status in expect, answer.value.status
    page.wait_for_load_state("load")


def test_the_officer_ranks_closes_applies_the_funding_line_and_releases_the_mails(
    page, live_server, settings
):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    officer = ProgrammeOfficerFactory(mfa=False)
    cutoff, best, middle, last = _world(officer)
    ranking = reverse("reviews:ranking", kwargs={"pk": cutoff.pk})
    django_mail.outbox = []
    _sign_in(page, live_server, officer)
    page.set_viewport_size({"width": 390, "height": 860})

    # The officer reaches the ranking from the cut-off's page.
    page.goto(live_server.url + reverse("applications:officer_cutoff", kwargs={"pk": cutoff.pk}))
    page.locator("#ranking-link").click()
    page.wait_for_url(f"**{ranking}")
    assert _rows(page) == [f"row-{p.pk}" for p in (best, middle, last)]
    assert horizontal_overflow(page) == 0
    # The one move form is there to use (none of its controls cut to nothing).
    move = page.get_by_role("button", name="Move to the position")
    assert move.is_visible() and move.bounding_box()["width"] > 0

    # A panel note on the middle one, from its row's link to its notes page.
    page.get_by_role("link", name=f"No notes on {middle.reference}").click()
    page.get_by_label("Panel note").fill("Ambitious timeline; strong team.")
    _post_and_wait(page, page.get_by_role("button", name="Add the note").click, "/notes/")
    page.get_by_text(f"Panel note added to {middle.reference}.").wait_for()
    assert "Ambitious timeline; strong team." in page.locator("#panel-notes").inner_text()
    assert horizontal_overflow(page) == 0
    page.get_by_role("link", name="Back to the panel ranking").click()
    page.wait_for_url(f"**{ranking}#row-{middle.pk}")
    page.get_by_role("link", name=f"1 note on {middle.reference}").wait_for()

    # The last one goes to the top, with the panel's reason; a position out of range first.
    page.get_by_label("Proposal", exact=True).select_option(str(last.pk))
    page.get_by_label("New position").fill("9")
    page.get_by_label("Reason for the move").fill(REASON)
    _post_and_wait(page, move.click, "/move/", expect=(400,))
    page.get_by_text("Choose a position from 1 to 3.").wait_for()
    assert page.get_by_label("Reason for the move").input_value() == REASON
    assert page.get_by_label("Proposal", exact=True).input_value() == str(last.pk)
    assert horizontal_overflow(page) == 0
    page.get_by_label("New position").fill("1")
    _post_and_wait(page, page.get_by_role("button", name="Move to the position").click, "/move/")
    page.get_by_text(f"{last.reference} moved to position 1").wait_for()
    assert _rows(page) == [f"row-{p.pk}" for p in (last, best, middle)]
    assert REASON in page.locator("#versions").inner_text()
    assert horizontal_overflow(page) == 0

    # Closing the panel freezes the order.
    _post_and_wait(page, page.locator("#close-panel").click, "/close/")
    page.get_by_text("The panel is closed; the ranking is frozen.").wait_for()
    assert page.locator(".move-form").count() == 0
    assert horizontal_overflow(page) == 0

    # The funding line: two fit the pool, the third goes on a waiting list of one.
    page.locator("#funding-line-link").click()
    page.get_by_label("Waiting list size").fill("1")
    with page.expect_response(lambda r: "waitlist_size=1" in r.url):
        page.get_by_role("button", name="Preview").click()
    counts = page.locator("#preview-counts")
    assert counts.inner_text() == "2 proposals awarded, 1 on the waiting list, 0 rejected."
    assert horizontal_overflow(page) == 0
    _post_and_wait(page, page.locator("#apply-funding-line").click, "/funding-line/")
    page.wait_for_url(f"**{ranking}")
    page.get_by_text("The funding line is applied").first.wait_for()
    statuses = dict(
        Proposal.objects.filter(cutoff=cutoff).values_list("pk", "status").order_by("pk")
    )
    assert statuses == {
        best.pk: ProposalStatus.AWARDED,
        middle.pk: ProposalStatus.WAITLISTED,
        last.pk: ProposalStatus.AWARDED,
    }
    assert django_mail.outbox == []  # held until the officer releases them
    assert horizontal_overflow(page) == 0

    # The held mails, from the ranking: released and sent.
    page.get_by_role("link", name="Decision mails to review").click()
    assert page.get_by_role("checkbox").count() == 3
    page.get_by_role("button", name="Release all 3…").click()
    _post_and_wait(
        page, page.get_by_role("button", name="Release and send 3 mails").click, "/mails/"
    )
    page.get_by_text("3 mails released").wait_for()

    sent = {m.to[0]: m for m in django_mail.outbox}
    assert len(django_mail.outbox) == 3
    moved = sent[last.created_by.email]
    assert last.reference in moved.subject + moved.body
    assert "20,000" in moved.body
    waiting = sent[middle.created_by.email]
    assert middle.reference in waiting.subject + waiting.body
    assert TO_APPLICANT_REVIEW in waiting.body
    for mail in django_mail.outbox:
        assert PANEL_ONLY not in mail.body and REASON not in mail.body


def test_the_open_ranking_fits_a_laptop(page, live_server, settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    officer = ProgrammeOfficerFactory(mfa=False)
    cutoff, best, middle, last = _world(officer)
    _sign_in(page, live_server, officer)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + reverse("reviews:ranking", kwargs={"pk": cutoff.pk}))
    assert _rows(page) == [f"row-{p.pk}" for p in (best, middle, last)]
    assert horizontal_overflow(page) == 0
    for name in ("Move to the position", "Move up one", "Move down one"):
        assert page.get_by_role("button", name=name).is_visible()
    for proposal in (best, middle, last):
        assert page.get_by_role("link", name=f"No notes on {proposal.reference}").is_visible()
