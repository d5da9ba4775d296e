"""The Django admin keeps a full view of a call for site administrators."""

import pytest
from django.urls import reverse

from applications.models import PdfStatus, Proposal
from applications.services.proposals import proposal_submit
from portal.models import User
from tests.factories import (
    CallPartitionFactory,
    CutOffFactory,
    EvaluationCriterionFactory,
    SubmittableProposalFactory,
)

pytestmark = pytest.mark.django_db


def test_call_admin_shows_cutoffs_partitions_and_criteria_inline(client, settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    offered = CallPartitionFactory()
    call = offered.call
    CutOffFactory(call=call)
    EvaluationCriterionFactory(call=call, name="Excellence")
    client.force_login(User.objects.create_superuser(email="root@example.org", password="x"))
    assert client.get(reverse("admin:applications_call_changelist")).status_code == 200
    page = client.get(reverse("admin:applications_call_change", args=[call.pk])).content.decode()
    assert "Excellence" in page
    assert "cutoffs-TOTAL_FORMS" in page
    assert "offered_partitions-TOTAL_FORMS" in page


def test_proposals_are_read_only_in_the_admin_and_failed_pdfs_can_be_queued_again(
    client, settings, django_capture_on_commit_callbacks
):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    proposal = SubmittableProposalFactory()
    proposal_submit(proposal=proposal, by=proposal.created_by)
    proposal.refresh_from_db()
    Proposal.objects.filter(pk=proposal.pk).update(pdf_status=PdfStatus.FAILED)
    client.force_login(User.objects.create_superuser(email="root@example.org", password="x"))

    change_url = reverse("admin:applications_proposal_change", args=[proposal.pk])
    page = client.get(change_url).content.decode()
    assert proposal.title in page
    assert 'name="title"' not in page and 'name="_save"' not in page  # shown, not editable
    assert client.post(change_url, {"title": "Rewritten by an admin"}).status_code == 403
    assert client.get(reverse("admin:applications_proposal_add")).status_code == 403
    delete_url = reverse("admin:applications_proposal_delete", args=[proposal.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    proposal.refresh_from_db()
    assert proposal.title != "Rewritten by an admin"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:applications_proposal_changelist"),
            {"action": "queue_pdf_again", "_selected_action": [proposal.pk]},
            follow=True,
        )
    assert "1 proposal PDF queued." in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.pdf_status == PdfStatus.READY
