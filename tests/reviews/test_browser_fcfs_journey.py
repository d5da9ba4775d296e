"""In Chromium, the whole first-come-first-served evaluation as its four users live it: the
programme officer checks eligibility (one proposal eligible, one not, with a reason), the centre's
technical assessor assesses the eligible one, the officer awards it within the pool's capacity,
reads and releases the held decision mails; then the awarded founder sees the decision and has
its mail, and the refused founder has the reason. Nothing is delivered before the release."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail as django_mail
from django.urls import reverse

from allocations.models import Allocation, CentreMembership
from applications.models import Proposal, ProposalStatus
from applications.services.proposals import proposal_submit
from tests.factories import (
    CentreMembershipFactory,
    OrganisationFactory,
    ProgrammeOfficerFactory,
    SubmittableProposalFactory,
)
from tests.portal.test_browser_phone_width import _sign_in
from tests.reviews.decision_world import fcfs_cutoff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REFUSAL = "The company is registered outside the participating states."
TO_APPLICANT = "Feasible: plan checkpoints every 4 hours, jobs stop after 48 hours."
TO_PANEL = "Our queues are long in December; 80 % of the hours is realistic."


def _as(page, live_server, user) -> None:
    page.context.clear_cookies()
    _sign_in(page, live_server, user)


def _submitted(cutoff, link, legal_name: str) -> Proposal:
    draft = SubmittableProposalFactory(
        cutoff=cutoff,
        organisation=OrganisationFactory(legal_name=legal_name),
        request__offered_partition=link.offered_partition,
        request__hours=Decimal(20_000),
    )
    return proposal_submit(proposal=draft, by=draft.created_by)


def _record_eligibility(page, live_server, proposal, *, eligible: bool) -> None:
    page.goto(live_server.url + reverse("reviews:eligibility_proposal", args=[proposal.pk]))
    for box in page.locator("#checklist input[type=checkbox]").all():
        box.check()
    if eligible:
        page.get_by_label("Eligible", exact=True).check()
    else:
        page.get_by_label("Not eligible").check()
        page.get_by_label("Reason the applicant reads").fill(REFUSAL)
    page.get_by_role("button", name="Record the outcome").click()
    page.wait_for_url(lambda url: "/eligibility/proposals/" not in url)


def test_eligibility_assessment_award_and_released_mails_reach_the_founders(
    page, live_server, settings
):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    cutoff, (link,) = fcfs_cutoff(pool_hours=Decimal(50_000))
    awarded = _submitted(cutoff, link, "Tensorwerk GmbH")
    refused = _submitted(cutoff, link, "Offshore Models Ltd")
    officer = ProgrammeOfficerFactory(mfa=False)
    assessor = CentreMembershipFactory(
        centre=link.offered_partition.partition.centre,
        role=CentreMembership.Role.TECHNICAL_ASSESSOR,
        mfa=False,
    ).user
    django_mail.outbox = []

    # The officer: one eligible, one not, with the reason the applicant will read.
    _as(page, live_server, officer)
    _record_eligibility(page, live_server, awarded, eligible=True)
    _record_eligibility(page, live_server, refused, eligible=False)
    assert Proposal.objects.get(pk=refused.pk).status == ProposalStatus.INELIGIBLE
    # First come, first served: the eligible one went into technical assessment on its own.
    assert Proposal.objects.get(pk=awarded.pk).status == ProposalStatus.IN_REVIEW

    # The centre's assessor finds the request in their workspace and assesses it.
    _as(page, live_server, assessor)
    page.goto(live_server.url + reverse("reviews:assessment_list"))
    page.locator("#waiting li a").first.click()
    page.get_by_label("Feasible", exact=True).check()
    page.get_by_label("Recommended hours").fill("18000")
    page.get_by_label("Comment to the applicant").fill(TO_APPLICANT)
    page.get_by_label("Comment to the panel").fill(TO_PANEL)
    page.get_by_role("button", name="Submit the assessment").click()
    page.wait_for_url(f"**{reverse('reviews:assessment_list')}")

    # The officer decides from the cut-off, within the pool: the recommendation is prefilled.
    _as(page, live_server, officer)
    page.goto(live_server.url + reverse("applications:officer_cutoff", args=[cutoff.pk]))
    page.locator("#decisions-link").click()
    page.locator("#ready tbody tr").first.get_by_role("link", name="Decide").click()
    assert page.get_by_label("Hours on").input_value() == "18000"
    page.get_by_role("button", name="Award the hours").click()
    page.get_by_text("awarded; the hours are reserved").wait_for()
    assert Proposal.objects.get(pk=awarded.pk).status == ProposalStatus.AWARDED
    (held,) = Allocation.objects.filter(holder=awarded.organisation)
    assert held.hours == 18_000 and held.pool_id == link.pool_id
    assert django_mail.outbox == []  # decisions are held until the officer releases them

    # The officer reads the held mails and releases both.
    page.goto(live_server.url + reverse("applications:officer_cutoff_mails", args=[cutoff.pk]))
    assert page.get_by_role("checkbox").count() == 2
    page.get_by_role("button", name="Release all 2…").click()
    page.get_by_role("button", name="Release and send 2 mails").click()
    page.get_by_text("2 mails released").wait_for()

    sent = {m.to[0]: m for m in django_mail.outbox}
    award_mail = sent[awarded.created_by.email]
    assert awarded.reference in award_mail.subject + award_mail.body
    assert "18,000" in award_mail.body
    assert TO_PANEL not in award_mail.body
    assert REFUSAL in sent[refused.created_by.email].body
    assert len(django_mail.outbox) == 2

    # The awarded founder sees the decision on the proposal's page; no staff comment there.
    _as(page, live_server, awarded.created_by)
    page.goto(live_server.url + reverse("applications:proposal_detail", args=[awarded.pk]))
    page.get_by_text("Awarded", exact=True).first.wait_for()
    assert TO_PANEL not in page.content()
    # The refused founder reads the outcome too.
    _as(page, live_server, refused.created_by)
    page.goto(live_server.url + reverse("applications:proposal_detail", args=[refused.pk]))
    page.get_by_text("Not eligible", exact=True).first.wait_for()
