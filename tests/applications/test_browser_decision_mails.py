"""In Chromium: a programme officer goes from a cut-off to its held decision mails, reads one as
HTML (in its sandboxed frame, with no Content-Security-Policy violation in the page) and as text,
edits it, and releases all after confirming; the applicants receive the mails then, the edited
one as edited. Screenshots at 1280 and 390 px go to SHOTS_DIR when it is set."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.core import mail as django_mail
from django.urls import reverse

from applications.services.decision_mails import (
    ELIGIBILITY_REFUSED,
    FCFS_DECISION,
    decision_mail_hold,
)
from applications.services.proposals import proposal_submit
from portal.models import Notification
from tests.factories import CutOffFactory, ProgrammeOfficerFactory, SubmittableProposalFactory
from tests.factories.portal import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("SHOTS_DIR", "")


def _shot(page, name: str) -> None:
    if not SHOTS:
        return
    Path(SHOTS).mkdir(parents=True, exist_ok=True)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=f"{SHOTS}/{name}-{width}.png", full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        assert not overflow, f"{name} is wider than {width} px"
    page.set_viewport_size({"width": 1280, "height": 900})


def test_officer_reads_edits_and_releases_the_decision_mails(page, settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    officer = ProgrammeOfficerFactory(email="officer@programme.example", mfa=False)
    cutoff = CutOffFactory()
    rejected = proposal_submit(
        proposal=(p := SubmittableProposalFactory(cutoff=cutoff)), by=p.created_by
    )
    refused = proposal_submit(
        proposal=(q := SubmittableProposalFactory(cutoff=cutoff)), by=q.created_by
    )
    (rejection,) = decision_mail_hold(
        proposal=rejected,
        template=FCFS_DECISION,
        context={
            "outcome": "reject",
            "reason": "The workload cannot run as planned on the requested partition.",
            "comments": [
                {"partition": "MareNostrum 5 ACC", "comment": "Port the data loader first."}
            ],
        },
        by=officer,
    )
    (refusal,) = decision_mail_hold(
        proposal=refused,
        template=ELIGIBILITY_REFUSED,
        context={"reason": "The company is not established in a participating country."},
        by=officer,
    )
    django_mail.outbox = []

    page.goto(reverse("applications:officer_cutoff", kwargs={"pk": cutoff.pk}))
    page.get_by_label("Email").fill(officer.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Decision mails held for review").click()
    page.get_by_role("heading", name="Decision mails held for review").wait_for()
    assert page.get_by_role("checkbox").count() == 2
    _shot(page, "mails-list")

    page.get_by_role("link", name=f"Read or edit the mail to {rejection.to_email}").click()
    frame = page.frame_locator("iframe.mail-preview")
    frame.get_by_text("Comments from the technical assessment").wait_for()
    frame.get_by_text("Port the data loader first.").wait_for()
    _shot(page, "mail-page")
    page.get_by_role("tab", name="As text").click()
    page.locator("#text-preview pre").get_by_text("Reason: The workload").wait_for()

    # A bad edit keeps the text; a good one is saved and previewed as it will be sent.
    text = page.get_by_label("Text of the mail")
    text.fill(text.input_value() + "\nWe would welcome a new proposal at the next cut-off.")
    page.get_by_label("Subject").fill("")
    page.get_by_role("button", name="Save the mail").click()
    page.get_by_text("This field is required.").wait_for()
    assert "welcome a new proposal" in page.get_by_label("Text of the mail").input_value()
    page.get_by_label("Subject").fill(f"Decision on {rejected.reference}")
    page.get_by_role("button", name="Save the mail").click()
    page.get_by_text("saved; it is still held").wait_for()
    frame.get_by_text("We would welcome a new proposal at the next cut-off.").wait_for()
    assert django_mail.outbox == []

    page.get_by_role("link", name="Decision mails", exact=True).click()
    page.get_by_role("button", name="Release all 2…").click()
    page.get_by_role("heading", name="Release 2 mails?").wait_for()
    _shot(page, "mails-confirm")
    assert django_mail.outbox == []
    page.get_by_role("button", name="Release and send 2 mails").click()
    page.get_by_text("2 mails released").wait_for()
    page.get_by_text("No mail is waiting for release at this cut-off.").wait_for()

    sent = {m.to[0]: m for m in django_mail.outbox}
    assert set(sent) == {rejection.to_email, refusal.to_email}
    assert sent[rejection.to_email].subject == f"Decision on {rejected.reference}"
    assert "welcome a new proposal" in sent[rejection.to_email].body
    assert "not established in a participating country" in sent[refusal.to_email].body
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}
