"""Downloads of proposal documents (attachments, CVs, the submitted PDF): streamed only to people
who may see the proposal, a 404 for everyone else, and every download in the activity log."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.test import override_settings
from django.urls import reverse

from applications.services.proposals import proposal_submit
from portal.models import Activity
from tests.factories import (
    AttachmentFactory,
    MembershipFactory,
    ProgrammeOfficerFactory,
    SubmittableProposalFactory,
    UserFactory,
    pdf_bytes,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(django_capture_on_commit_callbacks):
    """A submitted proposal of organisation A with an attachment, a CV and its rendered PDF."""
    proposal = SubmittableProposalFactory(is_confidential=True)
    AttachmentFactory(proposal=proposal, original_name="annex.pdf")
    member = proposal.team.get(user=proposal.created_by)
    member.cv.save("cv.pdf", ContentFile(pdf_bytes()), save=True)
    with django_capture_on_commit_callbacks(execute=True):  # the PDF task runs in process
        proposal_submit(proposal=proposal, by=proposal.created_by)
    proposal.refresh_from_db()
    assert proposal.pdf_status == "ready"
    return proposal


def document_urls(proposal):
    attachment = proposal.attachments.get()
    member = proposal.team.exclude(cv="").get()
    return {
        "attachment": reverse(
            "applications:attachment_download",
            kwargs={"pk": proposal.pk, "attachment_pk": attachment.pk},
        ),
        "cv": reverse(
            "applications:cv_download", kwargs={"pk": proposal.pk, "member_pk": member.pk}
        ),
        "pdf": reverse("applications:proposal_pdf", kwargs={"pk": proposal.pk}),
    }


def body_of(response) -> bytes:
    return b"".join(response.streaming_content)


def test_the_team_downloads_every_document_as_pdf(client, submitted):
    client.force_login(submitted.created_by)
    for kind, url in document_urls(submitted).items():
        response = client.get(url)
        assert response.status_code == 200, kind
        assert response["Content-Type"] == "application/pdf"
        assert "attachment;" in response["Content-Disposition"]
        assert body_of(response).startswith(b"%PDF-"), kind
    pdf = client.get(document_urls(submitted)["pdf"])
    assert f'filename="{submitted.reference}.pdf"' in pdf["Content-Disposition"]


def test_a_member_of_another_organisation_gets_404_for_each_document(client, submitted):
    client.force_login(MembershipFactory().user)
    assert client.get(submitted.get_absolute_url()).status_code == 404
    for kind, url in document_urls(submitted).items():
        assert client.get(url).status_code == 404, kind


def test_anonymous_visitors_are_sent_to_log_in(client, submitted):
    for url in document_urls(submitted).values():
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_a_document_of_another_proposal_is_not_reachable_through_mine(client, submitted):
    mine = SubmittableProposalFactory()
    client.force_login(mine.created_by)
    attachment = submitted.attachments.get()
    url = reverse(
        "applications:attachment_download", kwargs={"pk": mine.pk, "attachment_pk": attachment.pk}
    )
    assert client.get(url).status_code == 404


def test_a_draft_has_no_pdf_to_download(client):
    draft = SubmittableProposalFactory()
    client.force_login(draft.created_by)
    url = reverse("applications:proposal_pdf", kwargs={"pk": draft.pk})
    assert client.get(url).status_code == 404


def test_every_download_of_a_confidential_document_is_logged(client, submitted):
    reader = submitted.created_by
    client.force_login(reader)
    before = Activity.objects.filter(verb="proposal.download").count()
    for url in document_urls(submitted).values():
        body_of(client.get(url))
    rows = Activity.objects.filter(verb="proposal.download").order_by("id")
    assert rows.count() == before + 3
    assert {row.data["document"] for row in rows} == {"attachment", "CV", "proposal PDF"}
    assert all(row.actor == reader and row.data["confidential"] for row in rows)
    assert all(row.data["proposal"] == submitted.pk for row in rows)


def test_refused_downloads_are_not_logged_as_downloads(client, submitted):
    client.force_login(UserFactory())
    for url in document_urls(submitted).values():
        client.get(url)
    assert not Activity.objects.filter(verb="proposal.download").exists()


@override_settings(PORTAL_STAFF_MFA_REQUIRED=False)
def test_a_programme_officer_downloads_and_is_logged(client, submitted):
    officer = ProgrammeOfficerFactory()
    client.force_login(officer)
    response = client.get(document_urls(submitted)["attachment"])
    assert response.status_code == 200
    assert Activity.objects.filter(
        actor=officer, verb="proposal.download", data__document="attachment"
    ).exists()
