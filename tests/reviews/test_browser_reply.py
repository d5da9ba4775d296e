"""In Chromium: an applicant opens the reply from their proposal, reads the anonymised reviews,
types an answer (the word count follows, autosave saves it), and submits it; the officer then
reads the reply on their view of the proposal."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from applications.models import ProposalReply
from tests.browser_layout import horizontal_overflow
from tests.factories import ProgrammeOfficerFactory, proposal_in_reply
from tests.factories.portal import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ANSWER = "We thank the reviewers: the scaling study is in annex B."


def _log_in(page, user) -> None:
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_the_applicant_answers_the_reviews_and_the_officer_reads_it(page, live_server, settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    proposal = proposal_in_reply()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + proposal.get_absolute_url())
    _log_in(page, proposal.created_by)
    page.get_by_role("link", name="Read the reviews and reply").click()
    expect(page).to_have_url(re.compile(rf"/evaluation/proposals/{proposal.pk}/reply/$"))
    for n in (1, 2, 3):
        expect(page.get_by_role("heading", name=f"Reviewer {n}")).to_be_visible()
    counter = page.locator("#reply-words")
    expect(counter).to_have_text("0 of 500 words")
    box = page.get_by_role("textbox", name="Your reply")
    with page.expect_response(lambda r: r.url.endswith("/reply/autosave/")) as saved:
        box.press_sequentially("We thank", delay=20)
        expect(counter).to_have_text("2 of 500 words")
    assert saved.value.status == 200
    expect(page.locator("#save-status")).to_contain_text("Saved at")
    with page.expect_response(lambda r: r.url.endswith("/reply/autosave/")) as saved:
        box.fill(ANSWER)
    assert saved.value.status == 200
    expect(counter).to_have_text("11 of 500 words")
    expect(page.locator('#save-status [data-save-state="saved"]')).to_be_visible()
    assert ProposalReply.objects.get(proposal=proposal).text == ANSWER
    assert horizontal_overflow(page) == 0
    page.get_by_role("button", name="Submit the reply").click()
    expect(page.locator(".alert-success").first).to_contain_text("Your reply is submitted")
    expect(page.locator("#reply-text")).to_contain_text(ANSWER)
    assert ProposalReply.objects.get(proposal=proposal).is_submitted

    officer = ProgrammeOfficerFactory(mfa=False)
    page.context.clear_cookies()
    page.goto(live_server.url + reverse("reviews:officer_proposal", args=[proposal.pk]))
    _log_in(page, officer)
    reply = page.locator("#reply")
    expect(
        reply.get_by_role("heading", name="The applicant's reply to the reviews")
    ).to_be_visible()
    expect(reply).to_contain_text(ANSWER)
