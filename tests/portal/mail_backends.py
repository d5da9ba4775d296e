"""Mail backends for outbox tests: one that always fails, one that records to a directory.

`RecordingBackend` is what the real Celery worker in test_celery_worker.py sends through (the
worker is another process, so locmem's outbox cannot be read). Its directory (env
PORTAL_TEST_MAIL_DIR) holds `sent.jsonl`, one line per delivered message, and optionally
`fail_next`, the number of sends still to fail with a simulated SMTP error. A test holds a send
in progress by creating `hold_before_send` or `hold_after_send` (after the message is recorded,
that is, accepted by the server): the send writes `held` and waits until the file is removed.
"""

from __future__ import annotations

import fcntl
import json
import os
import smtplib
import time
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend


class FailingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed (simulated)")


class SlowLocmemBackend(LocmemBackend):
    """locmem, slowed down so that concurrent deliveries of one row overlap."""

    def send_messages(self, messages):
        time.sleep(0.3)
        return super().send_messages(messages)


def _hold(directory: Path, name: str) -> None:
    hold = directory / name
    if not hold.exists():
        return
    (directory / "held").write_text(name)
    deadline = time.monotonic() + 60
    while hold.exists() and time.monotonic() < deadline:
        time.sleep(0.05)


class RecordingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        directory = Path(os.environ["PORTAL_TEST_MAIL_DIR"])
        _hold(directory, "hold_before_send")
        with open(directory / "lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                fail_file = directory / "fail_next"
                remaining = int(fail_file.read_text() or 0) if fail_file.exists() else 0
                if remaining > 0:
                    fail_file.write_text(str(remaining - 1))
                    raise smtplib.SMTPDataError(451, b"Try again later (simulated)")
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
        # A slow server widens the window in which a second task could try the same row.
        time.sleep(float(os.environ.get("PORTAL_TEST_MAIL_DELAY", "0")))
        with open(directory / "sent.jsonl", "a") as out:
            fcntl.flock(out, fcntl.LOCK_EX)
            for message in email_messages:
                out.write(
                    json.dumps(
                        {
                            "to": message.to,
                            "subject": message.subject,
                            "notification": message.extra_headers.get("X-Portal-Notification"),
                            "message_id": message.extra_headers.get("Message-ID"),
                            "alternatives": [mimetype for _, mimetype in message.alternatives],
                            "attachments": [
                                {
                                    "filename": filename,
                                    "mimetype": mimetype,
                                    "is_pdf": bytes(content[:5]) == b"%PDF-",
                                }
                                for filename, content, mimetype in message.attachments
                            ],
                        }
                    )
                    + "\n"
                )
        _hold(directory, "hold_after_send")
        return len(email_messages)
