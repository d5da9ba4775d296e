"""Mails held for review: never delivered nor swept before release, edited as the reviewer wrote
them, released once however many reviewers press the button at the same moment."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from portal.models import Activity, Notification
from portal.selectors import notifications_for, unread_notification_count
from portal.services.notifications import (
    message_id_for,
    notification_deliver,
    notification_edit_held,
    notification_enqueue,
    notification_hold,
    notifications_discard_held,
    notifications_release,
    notifications_sweep,
)
from portal.tasks import deliver_notification
from tests.factories import ProgrammeOfficerFactory, ReviewerFactory, UserFactory

pytestmark = pytest.mark.django_db

BATCH = "cutoff:7"


@pytest.fixture
def templates(settings, tmp_path):
    folder = tmp_path / "templates" / "notifications"
    folder.mkdir(parents=True)
    (folder / "verdict_subject.txt").write_text("Decision on {{ ref }}\n")
    (folder / "verdict_body.txt").write_text("Dear {{ name }},\nthe decision on {{ ref }}.\n")
    (folder / "verdict_body.html").write_text(
        '<p style="color: #333">Dear {{ name }}, the decision on <b>{{ ref }}</b>.</p>\n'
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path / "templates", *settings.TEMPLATES[0]["DIRS"]]}
    ]
    return folder


@pytest.fixture
def officer():
    return ProgrammeOfficerFactory()


def _hold(n: int = 0, *, batch: str = BATCH, recipient=None, key: str = "") -> Notification:
    return notification_hold(
        batch=batch,
        about=f"AIF-FL-2026-12-{n:04d}",
        to_email=f"founder{n}@example.org",
        recipient=recipient,
        template="verdict",
        context={"name": f"Founder {n}", "ref": f"AIF-FL-2026-12-{n:04d}"},
        idempotency_key=key or f"verdict:{batch}:{n}",
    )


def test_a_held_mail_is_neither_delivered_nor_swept_until_released(
    templates, mailoutbox, django_capture_on_commit_callbacks, officer
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        mail = _hold()
    assert callbacks == []  # nothing handed to the broker
    assert (mail.status, mail.next_attempt_at, mail.batch) == ("held", None, BATCH)
    # Not the sweeper, not a stray task, not a sweep far in the future.
    assert notifications_sweep(now=timezone.now() + timedelta(days=30)).scheduled == 0
    notification_deliver(notification_id=mail.pk)
    deliver_notification.delay(mail.pk)
    mail.refresh_from_db()
    assert (mail.status, mail.attempts, mailoutbox) == ("held", 0, [])

    with django_capture_on_commit_callbacks(execute=True):
        result = notifications_release(by=officer, batch=BATCH)
    assert (result.released, result.already) == (1, 0)
    assert len(mailoutbox) == 1
    assert mailoutbox[0].subject == "Decision on AIF-FL-2026-12-0000"
    assert mailoutbox[0].extra_headers["Message-ID"] == message_id_for(mail.idempotency_key)
    mail.refresh_from_db()
    assert (mail.status, mail.attempts, mail.released_by) == ("sent", 1, officer)


def test_the_recipient_sees_a_held_mail_only_once_it_is_released(
    templates, client, officer, django_capture_on_commit_callbacks
):
    applicant = UserFactory()
    _hold(recipient=applicant)
    assert list(notifications_for(user=applicant)) == []
    assert unread_notification_count(user=applicant) == 0
    client.force_login(applicant)
    assert b"Decision on" not in client.get(reverse("portal:notifications")).content
    assert b"Decision on" not in client.get(reverse("applications:dashboard")).content

    with django_capture_on_commit_callbacks(execute=True):
        notifications_release(by=officer, batch=BATCH)
    assert unread_notification_count(user=applicant) == 1
    assert b"Decision on AIF-FL-2026-12-0000" in client.get(reverse("portal:notifications")).content


def test_holding_needs_a_batch_label(templates):
    with pytest.raises(ValueError, match="batch"):
        _hold(batch="")
    with pytest.raises(ValueError, match="batch"):
        _hold(batch="x" * 65)


def test_holding_twice_with_one_key_keeps_one_mail(templates):
    assert _hold(key="same").pk == _hold(key="same").pk
    assert Notification.objects.count() == 1


def test_an_edited_mail_is_sent_as_edited_with_its_html_made_from_the_text(
    templates, mailoutbox, officer, django_capture_on_commit_callbacks
):
    mail = _hold()
    assert 'style="color: #333"' in mail.body_html
    edited = notification_edit_held(
        notification=mail,
        subject="  Your decision:\n AIF-FL-2026-12-0000 ",
        body_text="Dear Founder,\r\n\r\nSee <https://portal.example/p/1/> & reply.\r\nRegards",
        by=officer,
        revision=0,
    )
    assert edited.subject == "Your decision: AIF-FL-2026-12-0000"  # one header line
    assert (
        edited.body_text == "Dear Founder,\n\nSee <https://portal.example/p/1/> & reply.\nRegards"
    )
    assert edited.revision == 1 and edited.edited_by == officer
    # The HTML part says what the text says, escaped, with its link; nothing of the old layout.
    assert "color: #333" not in edited.body_html
    assert "&amp; reply.<br>Regards" in edited.body_html
    assert '<a href="https://portal.example/p/1/"' in edited.body_html
    assert "<script" not in edited.body_html

    with django_capture_on_commit_callbacks(execute=True):
        notifications_release(by=officer, notifications=[edited])
    (sent,) = mailoutbox
    assert sent.subject == "Your decision: AIF-FL-2026-12-0000"
    assert sent.body == edited.body_text
    html, mimetype = sent.alternatives[0]
    assert mimetype == "text/html" and "&amp; reply.<br>Regards" in html
    assert sent.extra_headers["Message-ID"] == message_id_for(mail.idempotency_key)


def test_an_edit_writes_the_audit_log_with_what_changed(templates, officer):
    mail = _hold()
    notification_edit_held(
        notification=mail, subject="New subject", body_text="New text.", by=officer
    )
    (entry,) = Activity.objects.filter(verb="notification.edit")
    assert entry.actor == officer and entry.target == mail
    assert entry.data["subject_before"] == "Decision on AIF-FL-2026-12-0000"
    assert "-the decision on AIF-FL-2026-12-0000." in entry.data["text_changes"]
    assert "+New text." in entry.data["text_changes"]
    assert entry.data["batch"] == BATCH


@pytest.mark.parametrize(
    ("subject", "body", "field", "message"),
    [
        ("", "Text", "subject", "Enter a subject."),
        (" \n ", "Text", "subject", "Enter a subject."),
        ("S" * 256, "Text", "subject", "256 characters long; at most 255"),
        ("Subject", "   \n", "body_text", "Enter the text of the mail."),
        ("Subject", "x" * 50_001, "body_text", "at most 50000"),
        ("Subject", "Text\x00", "body_text", "NUL"),
        ("Sub\x00ject", "Text", "subject", "NUL"),
    ],
)
def test_a_bad_edit_is_refused_by_field_and_changes_nothing(
    templates, officer, subject, body, field, message
):
    mail = _hold()
    with pytest.raises(ValidationError) as refused:
        notification_edit_held(notification=mail, subject=subject, body_text=body, by=officer)
    assert message in " ".join(refused.value.message_dict[field])
    mail.refresh_from_db()
    assert (mail.subject, mail.revision) == ("Decision on AIF-FL-2026-12-0000", 0)
    assert not Activity.objects.exists()


def test_an_edit_based_on_an_older_revision_is_refused_and_says_who_saved(templates, officer):
    mail = _hold()
    colleague = ProgrammeOfficerFactory(first_name="Grace", last_name="Hopper")
    notification_edit_held(
        notification=mail, subject="Theirs", body_text="Their text.", by=colleague, revision=0
    )
    with pytest.raises(ValidationError) as refused:
        notification_edit_held(
            notification=mail, subject="Mine", body_text="My text.", by=officer, revision=0
        )
    assert refused.value.code == "conflict"
    assert "Grace Hopper saved this mail on" in refused.value.messages[0]
    mail.refresh_from_db()
    assert (mail.subject, mail.revision) == ("Theirs", 1)


def test_a_released_mail_can_no_longer_be_edited(templates, officer, mailoutbox):
    mail = _hold()
    notifications_release(by=officer, notifications=[mail])
    with pytest.raises(ValidationError) as refused:
        notification_edit_held(notification=mail, subject="Late", body_text="Late.", by=officer)
    assert refused.value.code == "not_held"
    assert "released this mail on" in refused.value.messages[0]
    mail.refresh_from_db()
    assert mail.subject == "Decision on AIF-FL-2026-12-0000"


@pytest.mark.parametrize("who", ["applicant", "reviewer", "nobody"])
def test_only_the_programme_office_edits_or_releases(templates, mailoutbox, who):
    user = {"applicant": UserFactory, "reviewer": ReviewerFactory}.get(who, lambda: None)()
    mail = _hold()
    with pytest.raises(PermissionDenied):
        notification_edit_held(notification=mail, subject="S", body_text="T", by=user)
    with pytest.raises(PermissionDenied):
        notifications_release(by=user, batch=BATCH)
    with pytest.raises(PermissionDenied):
        notifications_release(by=user, notifications=[mail])
    mail.refresh_from_db()
    assert (mail.status, mail.revision, mailoutbox) == ("held", 0, [])


def test_release_all_stops_at_the_mails_the_officer_confirmed(
    templates, officer, mailoutbox, django_capture_on_commit_callbacks
):
    first, second = _hold(1), _hold(2)
    later = _hold(3)  # held after the officer looked
    elsewhere = _hold(4, batch="cutoff:8")
    with django_capture_on_commit_callbacks(execute=True):
        result = notifications_release(by=officer, batch=BATCH, up_to_id=second.pk)
    assert result.released == 2
    assert sorted(m.to[0] for m in mailoutbox) == [first.to_email, second.to_email]
    assert set(
        Notification.objects.filter(pk__in=[later.pk, elsewhere.pk]).values_list(
            "status", flat=True
        )
    ) == {"held"}
    entries = Activity.objects.filter(verb="notification.release")
    assert sorted(int(e.object_id) for e in entries) == [first.pk, second.pk]
    assert {(e.actor_id, e.from_state, e.to_state) for e in entries} == {
        (officer.pk, "held", "queued")
    }


def test_releasing_selected_mails_twice_sends_each_once_and_says_so(
    templates, officer, mailoutbox, django_capture_on_commit_callbacks
):
    a, b = _hold(1), _hold(2)
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications_release(by=officer, notifications=[a]).released == 1
        again = notifications_release(by=officer, notifications=[a.pk, b.pk])
    assert (again.released, again.already) == (1, 1)
    assert sorted(m.to[0] for m in mailoutbox) == [a.to_email, b.to_email]


def test_release_needs_either_mails_or_a_batch(officer):
    with pytest.raises(ValueError):
        notifications_release(by=officer)
    with pytest.raises(ValueError):
        notifications_release(by=officer, notifications=[], batch=BATCH)


def test_a_discarded_mail_is_never_sent_nor_released(
    templates, officer, mailoutbox, django_capture_on_commit_callbacks
):
    replaced, kept = _hold(1, key="decision:1:old"), _hold(2, key="decision:2:x")
    assert notifications_discard_held(batch=BATCH, idempotency_key_prefix="decision:1:") == 1
    with django_capture_on_commit_callbacks(execute=True):
        result = notifications_release(by=officer, batch=BATCH)
    assert result.released == 1
    replaced.refresh_from_db()
    assert replaced.status == "discarded"
    assert [m.to[0] for m in mailoutbox] == [kept.to_email]
    assert Activity.objects.filter(verb="notification.discard", object_id=str(replaced.pk)).exists()
    with pytest.raises(ValidationError, match="replaced by a later one"):
        notification_edit_held(notification=replaced, subject="S", body_text="T", by=officer)


def test_an_ordinary_mail_is_not_touched_by_a_release(templates, officer, mailoutbox):
    queued = notification_enqueue(
        to_email="x@example.org",
        template="verdict",
        context={"name": "X", "ref": "R"},
        idempotency_key="ordinary",
    )
    assert (queued.status, queued.batch) == ("queued", "")
    assert notifications_release(by=officer, notifications=[queued]).released == 0
    queued.refresh_from_db()
    assert (queued.status, queued.released_at) == ("queued", None)


@pytest.mark.django_db(transaction=True)
def test_two_officers_releasing_the_same_batch_at_once_send_each_mail_once(
    require_postgresql, templates, settings
):
    """Both press "release all" at the same moment: every mail goes out once, each release
    owns the mails it released (one audit entry per mail), and nothing is left held."""
    from django.core import mail as django_mail

    settings.EMAIL_BACKEND = "tests.portal.mail_backends.SlowLocmemBackend"
    django_mail.outbox = []
    officers = [ProgrammeOfficerFactory(), ProgrammeOfficerFactory()]
    held = [_hold(n) for n in range(12)]
    start = threading.Barrier(2)
    results, errors = {}, []

    def release(officer):
        start.wait()
        try:
            results[officer.pk] = notifications_release(by=officer, batch=BATCH)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=release, args=(o,)) for o in officers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(r.released for r in results.values()) == len(held)
    sent_to = sorted(m.to[0] for m in django_mail.outbox)
    assert sent_to == sorted(m.to_email for m in held)  # each once
    assert len({m.extra_headers["Message-ID"] for m in django_mail.outbox}) == len(held)
    rows = Notification.objects.filter(pk__in=[m.pk for m in held])
    assert set(rows.values_list("status", "attempts")) == {("sent", 1)}
    entries = Activity.objects.filter(verb="notification.release")
    assert sorted(int(e.object_id) for e in entries) == sorted(m.pk for m in held)
    # Who released a mail is the one whose release wrote its entry.
    for row in rows:
        (entry,) = entries.filter(object_id=str(row.pk))
        assert entry.actor_id == row.released_by_id


@pytest.mark.django_db(transaction=True)
def test_an_edit_waiting_on_a_release_is_refused_not_sent_half_edited(
    require_postgresql, templates, settings
):
    """An officer saves an edit while another releases the batch: the edit either lands before
    the release (and is what is sent) or is refused; never applied to a released mail."""
    from django.core import mail as django_mail

    settings.EMAIL_BACKEND = "tests.portal.mail_backends.SlowLocmemBackend"
    django_mail.outbox = []
    editor, releaser = ProgrammeOfficerFactory(), ProgrammeOfficerFactory()
    mail = _hold()
    start = threading.Barrier(2)
    outcome = {}

    def edit():
        start.wait()
        try:
            notification_edit_held(
                notification=mail, subject="Edited", body_text="Edited text.", by=editor
            )
            outcome["edit"] = "saved"
        except ValidationError as exc:
            outcome["edit"] = exc.code
        finally:
            connection.close()

    def release():
        start.wait()
        try:
            notifications_release(by=releaser, batch=BATCH)
        finally:
            connection.close()

    threads = [threading.Thread(target=edit), threading.Thread(target=release)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    (sent,) = django_mail.outbox
    if outcome["edit"] == "saved":
        assert sent.subject == "Edited"
    else:
        assert outcome["edit"] == "not_held"
        assert sent.subject == "Decision on AIF-FL-2026-12-0000"
    mail.refresh_from_db()
    assert mail.subject == sent.subject
