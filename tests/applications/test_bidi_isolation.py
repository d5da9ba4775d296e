"""User text shown inline is isolated with <bdi>: a right-to-left override (U+202E) in a proposal
title, an organisation's name or a person's name cannot reorder the text around it ("Draft ·
Cut-off" must not turn into something that reads differently)."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from applications.services.proposals import proposal_submit
from tests.factories import (
    AttachmentFactory,
    MembershipFactory,
    ProgrammeOfficerFactory,
    ProposalFactory,
    SubmittableProposalFactory,
)

pytestmark = pytest.mark.django_db

RLO = "\u202e"


class _TextOutsideBdi(HTMLParser):
    """Collects the visible text of <body> that is not inside a <bdi>."""

    def __init__(self):
        super().__init__()
        self.in_body = False
        self.bdi_depth = 0
        self.skipped = 0  # inside <script> or <style>
        self.outside: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.in_body = self.in_body or tag == "body"
        self.bdi_depth += tag == "bdi"
        self.skipped += tag in ("script", "style")

    def handle_endtag(self, tag):
        self.bdi_depth -= tag == "bdi"
        self.skipped -= tag in ("script", "style")

    def handle_data(self, data):
        if self.in_body and not self.bdi_depth and not self.skipped:
            self.outside.append(data)


def unisolated_overrides(page: str) -> list[str]:
    parser = _TextOutsideBdi()
    parser.feed(page)
    return [text.strip() for text in parser.outside if RLO in text]


@pytest.fixture
def spoofed(client):
    proposal = ProposalFactory(title=f"Harmless {RLO}gnp.exe title")
    proposal.organisation.legal_name = f"Acme {RLO}GmbH"
    proposal.organisation.save()
    proposal.created_by.first_name = f"Eve{RLO}"
    proposal.created_by.save()
    AttachmentFactory(proposal=proposal, original_name=f"annex{RLO}.pdf")
    client.force_login(proposal.created_by)
    return proposal


def test_the_proposal_pages_isolate_the_title_and_organisation(client, spoofed):
    page = client.get(
        reverse("applications:proposal_section", args=[spoofed.pk, "summary"])
    ).content.decode()
    assert f"<bdi>Harmless {RLO}gnp.exe title</bdi>" in page
    assert f"<bdi>Acme {RLO}GmbH</bdi>" in page
    assert f"<bdi>Eve{RLO}" in page  # the user menu
    assert unisolated_overrides(page) == []


def test_the_dashboard_isolates_titles(client, spoofed):
    page = client.get(reverse("applications:dashboard")).content.decode()
    assert f"<bdi>Harmless {RLO}gnp.exe title</bdi>" in page
    assert unisolated_overrides(page) == []


def test_file_and_people_names_are_isolated(client, spoofed):
    attachments = client.get(
        reverse("applications:proposal_section", args=[spoofed.pk, "attachments"])
    ).content.decode()
    assert f"<bdi>annex{RLO}.pdf</bdi>" in attachments
    assert unisolated_overrides(attachments) == []
    team = client.get(
        reverse("applications:proposal_section", args=[spoofed.pk, "team"])
    ).content.decode()
    assert f"<bdi>Eve{RLO}" in team
    assert unisolated_overrides(team) == []


def test_organisation_pages_isolate_names(client, spoofed):
    MembershipFactory(organisation=spoofed.organisation)
    listing = client.get(reverse("portal:organisation_list")).content.decode()
    assert f"<bdi>Acme {RLO}GmbH</bdi>" in listing
    detail = client.get(
        reverse("portal:organisation_detail", args=[spoofed.organisation_id])
    ).content.decode()
    assert f"<bdi>Acme {RLO}GmbH</bdi>" in detail
    assert unisolated_overrides(listing) == unisolated_overrides(detail) == []


def test_the_proposal_overview_isolates_every_name(client, spoofed):
    page = client.get(reverse("applications:proposal_detail", args=[spoofed.pk])).content.decode()
    assert unisolated_overrides(page) == []


def test_the_officers_cutoff_list_isolates_titles_and_organisations(client, settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    proposal = SubmittableProposalFactory(title=f"Harmless {RLO}gnp.exe title")
    proposal.organisation.legal_name = f"Acme {RLO}GmbH"
    proposal.organisation.save()
    proposal_submit(proposal=proposal, by=proposal.created_by)
    client.force_login(ProgrammeOfficerFactory())
    page = client.get(reverse("applications:officer_cutoff", args=[proposal.cutoff_id]))
    assert page.status_code == 200
    text = page.content.decode()
    assert f"<bdi>Harmless {RLO}gnp.exe title</bdi>" in text
    assert unisolated_overrides(text) == []
