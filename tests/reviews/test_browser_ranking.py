"""The panel ranking in Chromium, on a phone (390 px): the officer opens the ranking of a cut-off
with three proposals in the panel, moves the last one to the top with a reason, closes the panel,
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


def _post_and_wait(page, click, path: str) -> None:
    """Click a submit button and wait for the portal's answer to the POST it makes."""
    with page.expect_response(lambda r: r.request.method == "POST" and path in r.url) as answer:
        click()
    assert answer.value.status in (200, 302), answer.value.status
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
    # Every label of the stacked table is there to read (none cut to nothing).
    move = page.get_by_role("button", name=f"Move {last.reference} to the position")
    assert move.is_visible() and move.bounding_box()["width"] > 0

    # The last one goes to the top, with the panel's reason.
    page.get_by_label(f"New position of {last.reference}").fill("1")
    page.get_by_label(f"Reason for moving {last.reference}").fill(REASON)
    _post_and_wait(page, move.click, "/move/")
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
    for proposal in (best, middle, last):
        button = page.get_by_role("button", name=f"Move {proposal.reference} up")
        assert button.is_visible()
