"""The failed-work page: background work given up after its last attempt, for site administrators
to see and queue again in one click; and what the notifications page says about a given-up mail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from applications.models import PdfStatus
from applications.services.proposals import proposal_submit
from portal.models import Notification
from tests.factories import ProgrammeOfficerFactory, SubmittableProposalFactory, UserFactory
from tests.factories.portal import give_totp

pytestmark = pytest.mark.django_db

URL = reverse("portal:failed_work")


@pytest.fixture
def administrator(client):
    user = UserFactory(is_staff=True)
    give_totp(user)
    client.force_login(user)
    return user


def _given_up_mail(n: int, **overrides) -> Notification:
    fields = {
        "to_email": f"founder{n}@example.org",
        "template": "proposal_receipt",
        "subject": f"Proposal AIF-{n:04d} received",
        "body_text": "Received.",
        "idempotency_key": f"given-up:{n}",
        "status": Notification.Status.FAILED,
        "attempts": 5,
        "last_error": "SMTPRecipientsRefused: mailbox unavailable",
        "given_up_at": timezone.now() - timedelta(minutes=n),
        "next_attempt_at": None,
    }
    return Notification.objects.create(**(fields | overrides))


def _given_up_pdf(django_capture_on_commit_callbacks, monkeypatch):
    monkeypatch.setattr("applications.tasks.render_proposal_pdf.delay", lambda *args: None)
    proposal = SubmittableProposalFactory(title="Speech model for Europe")
    with django_capture_on_commit_callbacks(execute=True):
        proposal_submit(proposal=proposal, by=proposal.created_by)
    type(proposal).objects.filter(pk=proposal.pk).update(
        pdf_status=PdfStatus.FAILED,
        pdf_attempts=5,
        pdf_error="OSError: font cache",
        pdf_next_attempt_at=None,
    )
    proposal.refresh_from_db()
    return proposal


def test_only_site_administrators_see_the_page_and_its_menu_entry(client):
    applicant = UserFactory()
    client.force_login(applicant)
    assert client.get(URL).status_code == 403
    assert "Failed work" not in client.get(reverse("portal:notifications")).content.decode()

    officer = ProgrammeOfficerFactory()
    client.force_login(officer)
    assert client.get(URL).status_code == 403
    notification = _given_up_mail(1)
    requeue = reverse("portal:failed_work_requeue", args=["emails", notification.pk])
    assert client.post(requeue).status_code == 403
    assert (
        client.post(reverse("portal:failed_work_requeue_all", args=["emails"])).status_code == 403
    )
    notification.refresh_from_db()
    assert notification.is_given_up

    client.logout()
    assert client.get(URL).status_code == 302  # to the login page

    administrator = UserFactory(is_staff=True)
    give_totp(administrator)
    client.force_login(administrator)
    page = client.get(reverse("portal:notifications")).content.decode()
    assert f'href="{URL}"' in page


def test_the_page_lists_given_up_mails_and_pdfs_and_nothing_else(
    client, administrator, django_capture_on_commit_callbacks, monkeypatch
):
    given_up = _given_up_mail(1)
    _given_up_mail(2, status=Notification.Status.FAILED, next_attempt_at=timezone.now())  # retrying
    _given_up_mail(3, status=Notification.Status.SENT)
    proposal = _given_up_pdf(django_capture_on_commit_callbacks, monkeypatch)

    page = client.get(URL).content.decode()
    assert given_up.subject in page and "founder1@example.org" in page
    assert "mailbox unavailable" in page
    assert "AIF-0002" not in page and "AIF-0003" not in page
    assert f"PDF of proposal {proposal.reference}" in page
    assert "Speech model for Europe" in page and "font cache" in page


def test_queue_again_sends_a_given_up_mail(
    client, administrator, mailoutbox, django_capture_on_commit_callbacks
):
    notification = _given_up_mail(1)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("portal:failed_work_requeue", args=["emails", notification.pk])
        )
    assert response.status_code == 302
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT  # in process: sent at once
    assert notification.attempts == 1  # a full set of attempts again
    assert [m.to for m in mailoutbox] == [["founder1@example.org"]]
    page = client.get(URL).content.decode()
    assert f"Queued again: {notification.subject}." in page  # the message after the redirect
    assert "founder1@example.org" not in page  # and no longer listed
    # A row that is not given up (any more) is not found there.
    again = reverse("portal:failed_work_requeue", args=["emails", notification.pk])
    assert client.post(again).status_code == 404
    assert (
        client.post(reverse("portal:failed_work_requeue_all", args=["nothing"])).status_code == 404
    )


def test_queue_all_again_renders_given_up_pdfs(
    client, administrator, django_capture_on_commit_callbacks, monkeypatch
):
    proposal = _given_up_pdf(django_capture_on_commit_callbacks, monkeypatch)
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("portal:failed_work_requeue_all", args=["proposal-pdfs"]))
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.pdf_status == PdfStatus.READY


def _count_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL)
    assert response.status_code == 200
    return len(queries)


def test_query_count_does_not_grow_with_the_rows(
    client, administrator, django_capture_on_commit_callbacks, monkeypatch
):
    _given_up_mail(1)
    _given_up_pdf(django_capture_on_commit_callbacks, monkeypatch)
    few = _count_queries(client)
    for n in range(2, 22):
        _given_up_mail(n)
    for _ in range(3):
        _given_up_pdf(django_capture_on_commit_callbacks, monkeypatch)
    assert _count_queries(client) == few
    assert few <= 14


def test_a_given_up_mail_reads_as_not_delivered_on_the_notifications_page(client):
    user = UserFactory()
    client.force_login(user)
    _given_up_mail(1, recipient=user)
    _given_up_mail(
        2, recipient=user, next_attempt_at=timezone.now() + timedelta(minutes=5), given_up_at=None
    )
    page = client.get(reverse("portal:notifications")).content.decode()
    assert "being retried" not in page
    assert "Every attempt failed; the portal's administrators have been told." in page
    assert page.count("Not delivered yet") == 1
    assert "Next try" in page
