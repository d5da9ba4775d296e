"""The notification outbox: queued with the caller's work, sent after commit, once per key."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from kombu.exceptions import OperationalError

from portal.models import Notification, Organisation
from portal.services.notifications import (
    INTERRUPTED_GIVEN_UP_ERROR,
    message_id_for,
    notification_deliver,
    notification_enqueue,
    notification_requeue,
    notifications_sweep,
)
from portal.services.periodic_tasks import periodic_tasks_sync
from portal.tasks import deliver_notification
from tests.factories import OrganisationFactory, UserFactory

FAILING = "tests.portal.mail_backends.FailingBackend"
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def templates(settings, tmp_path):
    """A notification template of the shape services use, in a template folder of the test's own."""
    folder = tmp_path / "templates" / "notifications"
    folder.mkdir(parents=True)
    (folder / "decision_subject.txt").write_text("Decision on {{ acronym }}\n")
    (folder / "decision_body.txt").write_text("Dear applicant,\nsee {{ site_url }}/p/{{ ref }}.\n")
    (folder / "decision_body.html").write_text("<p>Dear applicant, see <b>{{ ref }}</b>.</p>\n")
    (folder / "plain_subject.txt").write_text("Plain news")
    (folder / "plain_body.txt").write_text("Only text.")
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path / "templates", *settings.TEMPLATES[0]["DIRS"]]}
    ]
    return folder


def _enqueue(key: str = "decision:42", **overrides) -> Notification:
    kwargs = {
        "to_email": "founder@example.org",
        "template": "decision",
        "context": {"acronym": "LLAMA-EU", "ref": "AIF-LS-2026-12-0042"},
        "idempotency_key": key,
    }
    return notification_enqueue(**(kwargs | overrides))


@pytest.mark.django_db
def test_mail_goes_out_only_after_the_callers_transaction_commits(
    templates, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        notification = _enqueue()
        assert mailoutbox == []  # still inside the caller's transaction
    assert len(mailoutbox) == 1
    assert mailoutbox[0].subject == "Decision on LLAMA-EU"
    assert mailoutbox[0].to == ["founder@example.org"]
    assert "AIF-LS-2026-12-0042" in mailoutbox[0].body
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert notification.attempts == 1
    assert notification.sent_at is not None
    assert notification.next_attempt_at is None


@pytest.mark.django_db
def test_nothing_is_queued_or_sent_when_the_transaction_rolls_back(
    templates, mailoutbox, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        _enqueue()
        raise RuntimeError("the submission failed")
    assert callbacks == []
    assert not Notification.objects.exists()
    assert mailoutbox == []


@pytest.mark.django_db
def test_the_same_key_twice_makes_one_row_and_one_mail(
    templates, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = _enqueue()
        second = _enqueue(to_email="someone-else@example.org")
    assert first.pk == second.pk
    assert Notification.objects.count() == 1
    assert len(mailoutbox) == 1
    # Delivering an already sent row again (a task run twice) sends nothing more.
    notification_deliver(notification_id=first.pk)
    deliver_notification.delay(first.pk)
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_a_failed_send_is_recorded_then_retried_by_the_sweeper(
    templates, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = FAILING
    settings.NOTIFICATION_RETRY_BACKOFF_SECONDS = 30
    with django_capture_on_commit_callbacks(execute=True):
        notification = _enqueue()
    notification.refresh_from_db()
    assert notification.status == Notification.Status.FAILED
    assert notification.attempts == 1
    assert "SMTPServerDisconnected" in notification.last_error
    assert notification.will_retry
    first_retry_at = notification.next_attempt_at
    assert first_retry_at - timezone.now() > timedelta(seconds=25)

    # Not due yet: a sweep leaves it alone, and a stray task cannot jump the backoff.
    assert notifications_sweep().scheduled == 0
    notification_deliver(notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.attempts == 1

    # Still failing when due: the wait doubles.
    with django_capture_on_commit_callbacks(execute=True):
        notifications_sweep(now=first_retry_at + timedelta(seconds=1))
    notification.refresh_from_db()
    assert notification.status == Notification.Status.FAILED
    assert notification.attempts == 2
    assert notification.next_attempt_at - timezone.now() > timedelta(seconds=55)

    # The server is back: the next sweep delivers it, once.
    settings.EMAIL_BACKEND = LOCMEM
    notifications_sweep(now=notification.next_attempt_at + timedelta(seconds=1))
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert notification.attempts == 3
    assert notification.last_error == ""
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_after_the_last_attempt_a_row_waits_for_a_person(
    templates, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = FAILING
    settings.NOTIFICATION_MAX_ATTEMPTS = 2
    with django_capture_on_commit_callbacks(execute=True):
        notification = _enqueue()
    notification.refresh_from_db()
    notifications_sweep(now=notification.next_attempt_at + timedelta(seconds=1))
    notification.refresh_from_db()
    assert notification.status == Notification.Status.FAILED
    assert notification.attempts == 2
    assert not notification.will_retry
    assert notifications_sweep(now=timezone.now() + timedelta(days=1)).scheduled == 0

    settings.EMAIL_BACKEND = LOCMEM
    with django_capture_on_commit_callbacks(execute=True):
        notification_requeue(notification=notification)
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_html_alternative_and_attachments_are_in_the_mail(
    templates, mailoutbox, django_capture_on_commit_callbacks
):
    path = default_storage.save("letters/award-42.pdf", ContentFile(b"%PDF-1.7 award letter"))
    with django_capture_on_commit_callbacks(execute=True):
        _enqueue(
            attachments=[
                {"path": path, "filename": "award-letter.pdf", "mimetype": "application/pdf"}
            ]
        )
        _enqueue(key="plain:1", template="plain")
    award, plain = mailoutbox
    assert award.alternatives[0].mimetype == "text/html"
    assert "<b>AIF-LS-2026-12-0042</b>" in award.alternatives[0].content
    assert award.attachments == [("award-letter.pdf", b"%PDF-1.7 award letter", "application/pdf")]
    # The HTML part is optional: a template without one gives a plain text mail.
    assert plain.body == "Only text."
    assert plain.alternatives == []


@pytest.mark.django_db
def test_broker_down_at_enqueue_keeps_the_callers_work_and_the_row_queued(
    templates, monkeypatch, mailoutbox, django_capture_on_commit_callbacks
):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to redis:6379. Connection refused.")

    monkeypatch.setattr(deliver_notification, "delay", broker_down)
    owner = UserFactory()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        organisation = OrganisationFactory(legal_name="Kept Work GmbH")
        _enqueue(recipient=owner)
    assert Organisation.objects.filter(pk=organisation.pk).exists()
    notification = Notification.objects.get()
    assert notification.status == Notification.Status.QUEUED
    assert mailoutbox == []

    # The hand-over failed, so the row is due at once: the first sweep after the broker is back
    # hands it over (a sweep while the broker is still down leaves it due).
    assert notification.next_attempt_at <= timezone.now()
    assert notifications_sweep().scheduled == 1
    notification.refresh_from_db()
    assert notification.status == Notification.Status.QUEUED
    assert notification.next_attempt_at <= timezone.now()

    monkeypatch.undo()
    assert notifications_sweep().scheduled == 1
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_a_handed_over_row_whose_message_was_lost_is_scheduled_after_the_grace_period(
    templates, monkeypatch, mailoutbox
):
    monkeypatch.setattr(deliver_notification, "delay", lambda *args: None)  # the broker lost it
    notification = _enqueue()
    monkeypatch.undo()
    assert notifications_sweep().scheduled == 0
    result = notifications_sweep(now=notification.next_attempt_at + timedelta(seconds=1))
    assert result.scheduled == 1
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert len(mailoutbox) == 1


def _lose_the_worker(notification: Notification, *, attempts: int, settings) -> datetime:
    """As a worker that claimed the row and died: sending, attempt counted, lease running."""
    lease_end = timezone.now() + timedelta(seconds=settings.NOTIFICATION_SENDING_LEASE_SECONDS)
    Notification.objects.filter(pk=notification.pk).update(
        status=Notification.Status.SENDING,
        attempts=attempts,
        claimed_at=timezone.now(),
        next_attempt_at=lease_end,
    )
    return lease_end


@pytest.mark.django_db
def test_a_row_whose_worker_died_while_sending_is_sent_again_after_its_lease(
    templates, settings, mailoutbox, monkeypatch
):
    monkeypatch.setattr(deliver_notification, "delay", lambda *args: None)
    notification = _enqueue()
    lease_end = _lose_the_worker(notification, attempts=1, settings=settings)
    monkeypatch.undo()
    # While the lease runs, neither the sweep nor a redelivered task sends it.
    assert notifications_sweep().interrupted == 0
    notification_deliver(notification_id=notification.pk)
    assert mailoutbox == []

    result = notifications_sweep(now=lease_end + timedelta(seconds=1))
    assert (result.interrupted, result.scheduled) == (1, 1)
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (Notification.Status.SENT, 2)
    # Had the first attempt reached the server, this copy is recognisably the same message.
    (mail,) = mailoutbox
    assert mail.extra_headers["Message-ID"] == message_id_for(notification.idempotency_key)
    assert mail.message()["Message-ID"] == message_id_for(notification.idempotency_key)


@pytest.mark.django_db
def test_a_worker_lost_on_the_last_attempt_gives_the_row_up_and_alerts_the_administrators(
    templates, settings, mailoutbox, monkeypatch
):
    settings.NOTIFICATION_MAX_ATTEMPTS = 2
    administrator = UserFactory(is_staff=True)
    UserFactory(is_staff=False)
    monkeypatch.setattr(deliver_notification, "delay", lambda *args: None)
    notification = _enqueue()
    lease_end = _lose_the_worker(notification, attempts=2, settings=settings)
    monkeypatch.undo()
    result = notifications_sweep(now=lease_end + timedelta(seconds=1))
    assert result.given_up == 1
    notification.refresh_from_db()
    assert notification.is_given_up
    assert notification.last_error == INTERRUPTED_GIVEN_UP_ERROR
    (alert,) = Notification.objects.filter(template="work_given_up")
    assert alert.recipient == administrator
    assert "Decision on LLAMA-EU" in alert.subject


@pytest.mark.django_db(transaction=True)
def test_two_workers_delivering_the_same_row_at_once_send_it_once(
    require_postgresql, templates, settings, mailoutbox
):
    settings.EMAIL_BACKEND = "tests.portal.mail_backends.SlowLocmemBackend"
    notification = _enqueue()  # no surrounding transaction: sent at once, in process
    assert len(mailoutbox) == 1
    # Make it look freshly queued again, and let four workers race for it.
    Notification.objects.filter(pk=notification.pk).update(
        status=Notification.Status.QUEUED, attempts=0
    )
    mailoutbox.clear()
    start = threading.Barrier(4)

    def deliver():
        start.wait()
        try:
            notification_deliver(notification_id=notification.pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(mailoutbox) == 1
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (Notification.Status.SENT, 1)


@pytest.mark.django_db
def test_periodic_jobs_are_written_once_and_an_admins_choice_is_kept(settings):
    settings.PORTAL_PERIODIC_TASKS = {
        "notifications: retry the outbox": {
            "task": "portal.tasks.sweep_notification_outbox",
            "every": 60,
        },
        "nightly report": {
            "task": "portal.tasks.sweep_notification_outbox",
            "crontab": {"hour": "3", "minute": "0"},
        },
    }
    first = periodic_tasks_sync()
    assert (first.created, first.updated) == (2, 0)
    sweeper = PeriodicTask.objects.get(name="notifications: retry the outbox")
    assert sweeper.task == "portal.tasks.sweep_notification_outbox"
    assert sweeper.interval.every == 60
    assert PeriodicTask.objects.get(name="nightly report").crontab.hour == "3"

    sweeper.enabled = False
    sweeper.save()
    hand_made = PeriodicTask.objects.create(
        name="made in the admin",
        task="portal.tasks.sweep_notification_outbox",
        interval=sweeper.interval,
    )
    settings.PORTAL_PERIODIC_TASKS = {
        "notifications: retry the outbox": settings.PORTAL_PERIODIC_TASKS[
            "notifications: retry the outbox"
        ]
    }
    second = periodic_tasks_sync()
    assert (second.created, second.updated, second.removed) == (0, 1, 1)
    assert not PeriodicTask.objects.get(name="notifications: retry the outbox").enabled
    assert PeriodicTask.objects.filter(pk=hand_made.pk).exists()
    assert not PeriodicTask.objects.filter(name="nightly report").exists()
