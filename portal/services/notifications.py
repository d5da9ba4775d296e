"""The notification outbox: queue as data first, deliver after commit, send each key at most once.

A service that must tell someone something calls `notification_enqueue` inside its transaction.
The row is written with the caller's work; delivery is scheduled only when that work commits, so a
rolled-back transaction sends nothing, and a broker that is down never rolls the work back (the row
stays queued and the sweeper schedules it later). Delivery claims the row with one conditional
UPDATE, so two workers running the same task cannot both send it.

The schedule lives in the database, not in the broker: a failed send records when to try again
and the sweeper (every minute) hands due rows to the workers. Nothing waits in a worker for its
countdown, so a broker restart that drops messages loses no work, and a worker that dies while
sending leaves a row whose lease runs out and which is then tried again. A mail is sent with a
Message-ID derived from its key: a resend after a worker died between the SMTP server's acceptance
and the status write is recognisable as the same message.
"""

from __future__ import annotations

import difflib
import hashlib
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from portal.models import Activity, Notification
from portal.services.activity import activity_record
from portal.validators import NUL, NUL_MESSAGE, model_field_errors

logger = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(hours=1)
INTERRUPTED_ERROR = (
    "The worker stopped while sending (it was stopped, or lost the database). The message is sent "
    "again with the same Message-ID, so a copy that did arrive is recognisable as a duplicate."
)
INTERRUPTED_GIVEN_UP_ERROR = (
    "The worker stopped while sending, on the last attempt. The message may or may not have "
    "reached the recipient; re-queue it if it did not arrive."
)
SWEEP_BATCH = 500
# Tolerance between the sweeper's clock and the row's next_attempt_at (different machines).
CLOCK_SLACK = timedelta(seconds=2)
# A status write that fails on a dropped database connection is tried again on a fresh one, after
# these pauses (seconds); if the database stays away longer, the row's lease runs out instead.
STATUS_WRITE_PAUSES = (0.2, 0.5, 1, 2, 4)
# Mails about given-up work: at most one to each site administrator per hour.
GIVEN_UP_ALERT_TEMPLATE = "work_given_up"


def _render(template: str, context: dict[str, Any]) -> tuple[str, str, str]:
    """Templates live at templates/notifications/<template>_{subject,body}.txt and _body.html."""
    ctx = {"site_url": settings.SITE_URL, **context}
    subject = render_to_string(f"notifications/{template}_subject.txt", ctx)
    subject = " ".join(subject.split())
    text = render_to_string(f"notifications/{template}_body.txt", ctx)
    try:
        html = render_to_string(f"notifications/{template}_body.html", ctx)
    except TemplateDoesNotExist:  # the HTML part is optional; a broken one still raises
        html = ""
    return subject, text, html


def retry_delay(*, attempts: int) -> timedelta:
    """Wait before the next try after `attempts` failed ones: exponential, capped."""
    seconds = settings.NOTIFICATION_RETRY_BACKOFF_SECONDS * (2 ** max(attempts - 1, 0))
    return min(timedelta(seconds=seconds), MAX_BACKOFF)


def notification_enqueue(
    *,
    to_email: str,
    template: str,
    context: dict[str, Any],
    idempotency_key: str,
    recipient=None,
    attachments: list[dict[str, str]] | None = None,
    rendered: tuple[str, str, str] | None = None,
    show_in_portal: bool = True,
    held_in_batch: str = "",
    about: str = "",
) -> Notification:
    """Queue one email. Safe to call twice with the same key: the second call returns the first row.

    `context` must be JSON-serialisable (ids and strings); `rendered` lets a caller that has
    already rendered the message (allauth's mails) pass subject, text and HTML directly.
    `attachments` are files in the default storage: [{"path", "filename", "mimetype"}].
    Delivery is scheduled on commit, so a rolled-back transaction sends nothing.
    With `held_in_batch` the mail is held instead (see `notification_hold`).
    """
    existing = Notification.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    subject, text, html = rendered or _render(template, context)
    held = bool(held_in_batch)
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                recipient=recipient,
                to_email=to_email,
                template=template,
                context=context,
                subject=subject[:255],
                body_text=text,
                body_html=html,
                attachments=attachments or [],
                idempotency_key=idempotency_key,
                show_in_portal=show_in_portal,
                status=Notification.Status.HELD if held else Notification.Status.QUEUED,
                batch=held_in_batch[:64],
                about=about[:80],
                # If the task is never published or lost, the sweeper picks the row up from here;
                # a held row has no schedule until it is released.
                next_attempt_at=None
                if held
                else timezone.now()
                + timedelta(seconds=settings.NOTIFICATION_REQUEUE_AFTER_SECONDS),
            )
    except IntegrityError:
        # Another process queued the same key between our check and insert.
        return Notification.objects.get(idempotency_key=idempotency_key)
    if not held:
        transaction.on_commit(lambda: schedule_delivery(notification_id=notification.pk))
    return notification


def schedule_delivery(*, notification_id: int) -> bool:
    """Hand one row to the workers. Never raises: a broker that is down leaves the row queued,
    due at once, so the first sweep after the broker is back hands it over."""
    from portal.tasks import deliver_notification

    try:
        deliver_notification.delay(notification_id)
    except Exception:  # broker down  # noqa: BLE001
        logger.warning("Could not hand notification %s to the broker", notification_id)
        try:
            Notification.objects.filter(
                pk=notification_id, status=Notification.Status.QUEUED
            ).update(next_attempt_at=timezone.now())
        except Exception:  # the row keeps its grace period  # noqa: BLE001
            logger.exception("Could not mark notification %s due", notification_id)
        return False
    return True


def message_id_for(idempotency_key: str) -> str:
    """The Message-ID of the mail for this key: the same on every attempt, so that a mail sent
    twice (the only way: a worker lost between the server's acceptance and the status write)
    is one message to mail clients and servers that drop duplicates."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]
    return f"<notification.{digest}@{domain}>"


def _build_message(notification: Notification) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=notification.subject,
        body=notification.body_text,
        to=[notification.to_email],
        headers={
            "X-Portal-Notification": str(notification.pk),
            "Message-ID": message_id_for(notification.idempotency_key),
        },
    )
    if notification.body_html:
        message.attach_alternative(notification.body_html, "text/html")
    for item in notification.attachments:
        with default_storage.open(item["path"], "rb") as fh:
            message.attach(
                item.get("filename") or item["path"].rsplit("/", 1)[-1],
                fh.read(),
                item.get("mimetype") or "application/octet-stream",
            )
    return message


def write_on_fresh_connection(write: Callable[[], int], *, what: str) -> int:
    """Run a status write; if the database connection dropped, open a new one and try again.

    Only outside a transaction (a worker's task): inside one, a new connection would lose the
    transaction's earlier work, so the error is raised as it is.
    """
    for pause in (*STATUS_WRITE_PAUSES, None):
        try:
            return write()
        except (OperationalError, InterfaceError):
            if pause is None or connection.in_atomic_block:
                raise
            logger.warning("Database connection lost writing %s; trying a fresh one", what)
            connection.close()
            time.sleep(pause)
    raise AssertionError("unreachable")


def notification_deliver(*, notification_id: int) -> Notification:
    """Send one notification unless it is already sent, being sent, or not due.

    Claims the row first (queued, or failed and due, or sending with an expired lease -> sending,
    in one UPDATE that counts the attempt and sets the lease): of two workers running this at the
    same time, exactly one sends. On failure the error is recorded and the next try planned, or
    the row is given up after NOTIFICATION_MAX_ATTEMPTS and the site administrators alerted. Never
    raises for a failed send: the sweeper, not the task, retries.
    """
    now = timezone.now()
    lease = timedelta(seconds=settings.NOTIFICATION_SENDING_LEASE_SECONDS)
    due = Q(next_attempt_at__lte=now + CLOCK_SLACK)
    claimable = (
        Q(status=Notification.Status.QUEUED)
        | Q(due, status=Notification.Status.FAILED)
        | Q(due, status=Notification.Status.SENDING)
    )
    claimed = Notification.objects.filter(
        claimable, pk=notification_id, attempts__lt=settings.NOTIFICATION_MAX_ATTEMPTS
    ).update(
        status=Notification.Status.SENDING,
        claimed_at=now,
        next_attempt_at=now + lease,
        attempts=F("attempts") + 1,
    )
    notification = Notification.objects.get(pk=notification_id)
    if not claimed:
        return notification  # sent, given up, not due, or being sent by another worker
    # Later writes match on our claim, so a worker taken for lost cannot overwrite a newer state.
    ours = Notification.objects.filter(
        pk=notification_id, status=Notification.Status.SENDING, claimed_at=now
    )
    try:
        _build_message(notification).send(fail_silently=False)
    except Exception as exc:
        _record_failure(notification, ours, error=f"{type(exc).__name__}: {exc}")
        logger.warning(
            "Notification %s failed (attempt %s): %s", notification_id, notification.attempts, exc
        )
    else:
        write_on_fresh_connection(
            lambda: ours.update(
                status=Notification.Status.SENT,
                last_error="",
                sent_at=timezone.now(),
                next_attempt_at=None,
            ),
            what=f"notification {notification_id} sent",
        )
    notification.refresh_from_db()
    return notification


def _record_failure(notification: Notification, ours, *, error: str) -> None:
    retrying = notification.attempts < settings.NOTIFICATION_MAX_ATTEMPTS
    now = timezone.now()
    updated = write_on_fresh_connection(
        lambda: ours.update(
            status=Notification.Status.FAILED,
            last_error=error[:2000],
            next_attempt_at=now + retry_delay(attempts=notification.attempts) if retrying else None,
            given_up_at=None if retrying else now,
        ),
        what=f"notification {notification.pk} failed",
    )
    if updated and not retrying:
        _alert_given_up(notification)


def _alert_given_up(notification: Notification) -> None:
    if notification.template == GIVEN_UP_ALERT_TEMPLATE:
        return  # an alert that cannot be mailed is still on the administrators' pages
    work_given_up_alert(what=f"the email “{notification.subject}” to {notification.to_email}")


def work_given_up_alert(*, what: str, now: datetime | None = None) -> int:
    """Tell the site administrators that background work was given up (in the portal and by
    mail), at most once an hour each: the failed-work page lists everything given up."""
    from portal.models import User

    now = now or timezone.now()
    hour = now.strftime("%Y%m%d%H")
    administrators = list(User.objects.filter(is_staff=True, is_active=True).order_by("pk"))
    for user in administrators:
        notification_enqueue(
            to_email=user.email,
            recipient=user,
            template=GIVEN_UP_ALERT_TEMPLATE,
            context={"what": what, "url": reverse("portal:failed_work")},
            idempotency_key=f"{GIVEN_UP_ALERT_TEMPLATE}:{hour}:{user.pk}",
        )
    return len(administrators)


def notification_requeue(*, notification: Notification) -> Notification:
    """A person asks for another try of a failed row (after fixing an address, say): it gets a
    full set of attempts again."""
    Notification.objects.filter(pk=notification.pk, status=Notification.Status.FAILED).update(
        status=Notification.Status.QUEUED,
        attempts=0,
        given_up_at=None,
        next_attempt_at=timezone.now()
        + timedelta(seconds=settings.NOTIFICATION_REQUEUE_AFTER_SECONDS),
    )
    notification.refresh_from_db()
    if notification.status == Notification.Status.QUEUED:
        transaction.on_commit(lambda: schedule_delivery(notification_id=notification.pk))
    return notification


@dataclass(frozen=True)
class SweepResult:
    scheduled: int
    interrupted: int
    given_up: int = 0


def notifications_sweep(*, now: datetime | None = None) -> SweepResult:
    """Periodic: hand due rows to the workers; take back rows whose worker was lost.

    Due rows are queued ones whose task never ran (the broker was down or lost the message), failed
    ones whose backoff has passed, and rows still sending past their lease (the worker died or
    lost the database): those are tried again, or given up if that was the last attempt. Scheduled
    rows get their next sweep pushed back so a long queue is not handed over on every sweep.
    Scheduling a row that is also in the broker is harmless: the claim lets one task through.
    """
    now = now or timezone.now()
    lost = Notification.objects.filter(status=Notification.Status.SENDING, next_attempt_at__lte=now)
    last = Q(attempts__gte=settings.NOTIFICATION_MAX_ATTEMPTS)
    given_up_rows = list(lost.filter(last)[:SWEEP_BATCH])
    given_up = lost.filter(pk__in=[n.pk for n in given_up_rows]).update(
        status=Notification.Status.FAILED,
        next_attempt_at=None,
        given_up_at=now,
        last_error=INTERRUPTED_GIVEN_UP_ERROR,
    )
    interrupted = lost.exclude(last).update(
        status=Notification.Status.FAILED, last_error=INTERRUPTED_ERROR
    )
    if given_up:  # one alert names the first; the failed-work page lists them all
        _alert_given_up(given_up_rows[0])

    due = list(
        Notification.objects.filter(
            status__in=[Notification.Status.QUEUED, Notification.Status.FAILED],
            next_attempt_at__lte=now,
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    Notification.objects.filter(
        pk__in=due, status__in=[Notification.Status.QUEUED, Notification.Status.FAILED]
    ).update(
        status=Notification.Status.QUEUED,
        next_attempt_at=now + timedelta(seconds=settings.NOTIFICATION_REQUEUE_AFTER_SECONDS),
    )
    for pk in due:
        schedule_delivery(notification_id=pk)
    return SweepResult(scheduled=len(due), interrupted=interrupted, given_up=given_up)


# --- Held mails ---------------------------------------------------------------------------------
# Some mails are read by a person before they go (decisions): the app that writes them holds them
# in a batch of its choosing (the applications app: one per cut-off), a reviewer may edit them,
# and releasing them queues them like any other mail. A release claims the rows under row locks
# with a conditional UPDATE (held -> queued), so of two reviewers releasing the same batch at the
# same moment each mail is released by one; delivery's own claim then sends each key at most once.

REVIEW_HELD_PERMISSION = "portal.review_held_notifications"
EDITED_HTML_TEMPLATE = "notifications/edited_body.html"
SUBJECT_MAX_CHARS = Notification._meta.get_field("subject").max_length


def notification_hold(
    *,
    batch: str,
    to_email: str,
    template: str,
    context: dict[str, Any],
    idempotency_key: str,
    recipient=None,
    about: str = "",
    attachments: list[dict[str, str]] | None = None,
) -> Notification:
    """Write one email as a held draft in `batch` ("cutoff:12"): never swept nor delivered until
    `notifications_release` releases it. `about` names what it concerns for the reviewer (a
    proposal's reference). Safe to call twice with the same key, like `notification_enqueue`."""
    if not batch or len(batch) > Notification._meta.get_field("batch").max_length:
        raise ValueError(f"A held mail needs a batch label of 1 to 64 characters, not {batch!r}.")
    return notification_enqueue(
        to_email=to_email,
        template=template,
        context=context,
        idempotency_key=idempotency_key,
        recipient=recipient,
        attachments=attachments,
        held_in_batch=batch,
        about=about,
    )


def _require_reviewer(by, notification: Notification | None = None) -> None:
    if by is None or not by.has_perm(REVIEW_HELD_PERMISSION, notification):
        raise PermissionDenied("Only the programme office reviews held mails.")


def _when(value: datetime, viewer) -> str:
    """10:00 in the viewer's time zone, zone named: "3 Dec 2026, 10:00 CET"."""
    tz_name = getattr(viewer, "timezone", None) or settings.TIME_ZONE
    local = value.astimezone(ZoneInfo(tz_name))
    return f"{local.day} {local:%b %Y}, {local:%H:%M} {local.tzname()}"


def _not_held_error(row: Notification, viewer) -> ValidationError:
    if row.status == Notification.Status.DISCARDED:
        return ValidationError(
            "This mail was replaced by a later one and will not be sent; it can no longer be "
            "edited.",
            code="not_held",
        )
    who = row.released_by.display_name if row.released_by else "Someone"
    when = _when(row.released_at, viewer) if row.released_at else "earlier"
    return ValidationError(
        "%(who)s released this mail on %(when)s; it can no longer be edited.",
        code="not_held",
        params={"who": who, "when": when},
    )


def held_mail_html(body_text: str) -> str:
    """The HTML part of an edited mail, made from its text: paragraphs, line breaks and links.

    The reviewer edits the text only. Rebuilding the HTML from it keeps the two parts saying the
    same thing (a mail client shows one or the other) and puts nobody's markup into a mail."""
    return render_to_string(EDITED_HTML_TEMPLATE, {"text": body_text})


def notification_edit_held(
    *,
    notification: Notification,
    subject: str,
    body_text: str,
    by,
    revision: int | None = None,
) -> Notification:
    """Change the subject and text of a held mail; its HTML part is rebuilt from the text.

    `revision` is the one the reviewer started from: if someone saved a change since, nothing is
    saved and the error says who and when (pass None to skip the check). Refused once released.
    """
    _require_reviewer(by, notification)
    subject = " ".join((subject or "").split())  # one header line, whatever was typed
    body_text = (body_text or "").replace("\r\n", "\n").replace("\r", "\n")
    errors: dict[str, list[str]] = {}
    if not subject:
        errors["subject"] = ["Enter a subject."]
    elif len(subject) > SUBJECT_MAX_CHARS:
        errors["subject"] = [
            f"The subject is {len(subject):,} characters long; at most {SUBJECT_MAX_CHARS} are "
            "allowed."
        ]
    if not body_text.strip():
        errors["body_text"] = ["Enter the text of the mail."]
    else:
        errors.update(model_field_errors(Notification, {"body_text": body_text}))
    for field, value in (("subject", subject), ("body_text", body_text)):
        if NUL in value:
            errors.setdefault(field, []).append(NUL_MESSAGE)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        row = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("edited_by", "released_by")
            .get(pk=notification.pk)
        )
        if row.status != Notification.Status.HELD:
            raise _not_held_error(row, by)
        if revision is not None and int(revision) != row.revision:
            who = row.edited_by.display_name if row.edited_by else "Someone"
            if row.edited_by_id == by.pk:
                who = "You (in another tab or window)"
            raise ValidationError(
                "Your changes were not saved: %(who)s saved this mail on %(when)s, after you "
                "opened it. Your text is kept below; compare it with the saved one and save "
                "again to replace it.",
                code="conflict",
                params={"who": who, "when": _when(row.edited_at, by) if row.edited_at else "—"},
            )
        before_subject, before_text = row.subject, row.body_text
        now = timezone.now()
        row.subject = subject
        row.body_text = body_text
        row.body_html = held_mail_html(body_text)
        row.revision += 1
        row.edited_at = now
        row.edited_by = by
        row.save(
            update_fields=[
                "subject",
                "body_text",
                "body_html",
                "revision",
                "edited_at",
                "edited_by",
            ]
        )
        activity_record(
            actor=by,
            verb="notification.edit",
            target=row,
            data={
                "batch": row.batch,
                "about": row.about,
                "to": row.to_email,
                "revision": row.revision,
                "subject_before": before_subject if before_subject != subject else "",
                "text_changes": _text_changes(before_text, body_text),
            },
        )
    return row


def _text_changes(before: str, after: str, *, limit: int = 4000) -> str:
    """What an edit changed, as a unified diff for the audit log (cut to `limit` characters)."""
    diff = "\n".join(
        difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=1)
    )
    return diff if len(diff) <= limit else diff[:limit] + "\n[…]"


@dataclass(frozen=True)
class ReleaseResult:
    released: int  # by this call
    already: int  # asked for, but released (or replaced) by someone else meanwhile


def notifications_release(
    *,
    by,
    notifications: Iterable[Notification | int] | None = None,
    batch: str = "",
    up_to_id: int | None = None,
) -> ReleaseResult:
    """Release held mails: the given ones, or every mail held in `batch` (with `up_to_id`, those
    up to that id: the ones the reviewer saw when confirming). They are queued for delivery when
    the transaction commits and go out as they stand, edits included.

    Each mail is released once: the rows are locked and moved held -> queued by one conditional
    UPDATE, so a reviewer releasing the same batch at the same moment finds nothing left.
    """
    if (notifications is None) == (not batch):
        raise ValueError("Release either the given notifications or a batch.")
    _require_reviewer(by)
    held = Notification.objects.filter(status=Notification.Status.HELD)
    if notifications is not None:
        ids = {getattr(n, "pk", n) for n in notifications}
        wanted = len(ids)
        held = held.filter(pk__in=ids)
    else:
        held = held.filter(batch=batch)
        if up_to_id is not None:
            held = held.filter(pk__lte=up_to_id)
        wanted = None
    now = timezone.now()
    with transaction.atomic():
        # Locked in id order, so two releases of overlapping sets cannot deadlock.
        rows = list(held.select_for_update().order_by("pk").only("pk", "subject", "batch", "about"))
        ids = [row.pk for row in rows]
        released = Notification.objects.filter(pk__in=ids, status=Notification.Status.HELD).update(
            status=Notification.Status.QUEUED,
            released_at=now,
            released_by=by,
            next_attempt_at=now + timedelta(seconds=settings.NOTIFICATION_REQUEUE_AFTER_SECONDS),
        )
        content_type = ContentType.objects.get_for_model(Notification)
        Activity.objects.bulk_create(
            Activity(
                actor=by,
                verb="notification.release",
                content_type=content_type,
                object_id=str(row.pk),
                object_repr=str(row.subject)[:255],
                from_state=Notification.Status.HELD,
                to_state=Notification.Status.QUEUED,
                data={"batch": row.batch, "about": row.about},
            )
            for row in rows
        )

        def schedule() -> None:
            for pk in ids:
                schedule_delivery(notification_id=pk)

        transaction.on_commit(schedule)
    already = (wanted - released) if wanted is not None else 0
    return ReleaseResult(released=released, already=already)


def notifications_discard_held(*, batch: str, idempotency_key_prefix: str, by=None) -> int:
    """Discard the mails still held in `batch` whose key starts with the prefix: a later mail
    replaces them (a proposal's new decision replaces the one not yet released). Never sent."""
    held = Notification.objects.filter(
        status=Notification.Status.HELD,
        batch=batch,
        idempotency_key__startswith=idempotency_key_prefix,
    )
    with transaction.atomic():
        rows = list(held.select_for_update().order_by("pk").only("pk", "subject", "batch", "about"))
        discarded = Notification.objects.filter(
            pk__in=[row.pk for row in rows], status=Notification.Status.HELD
        ).update(status=Notification.Status.DISCARDED, next_attempt_at=None)
        for row in rows:
            activity_record(
                actor=by,
                verb="notification.discard",
                target=row,
                from_state=Notification.Status.HELD,
                to_state=Notification.Status.DISCARDED,
                data={"batch": row.batch, "about": row.about, "reason": "replaced"},
            )
    return discarded
