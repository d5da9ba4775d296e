"""A real Celery worker on Redis delivers the outbox: once, after retries, never twice per key.

The worker is a `celery -A portal worker` subprocess pointed at this test's database (committed
data: transactional_db, PostgreSQL) and at Redis, with a mail backend that records to a directory
and can be told to fail the next N sends. Each test gets its own queue, so parallel test
processes never take each other's tasks.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from applications.tasks import sweep_proposal_pdfs
from portal.celery import app as celery_app
from portal.models import Notification
from portal.services.notifications import notification_enqueue, schedule_delivery
from portal.tasks import sweep_notification_outbox
from tests.conftest import _missing

pytestmark = [pytest.mark.redis, pytest.mark.postgres]

WAIT_SECONDS = 60


def _database_url() -> str:
    """The URL of the database this test runs on (the test database, not the configured one)."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "localhost"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}@{host}{port}/{db['NAME']}"


class Worker:
    """A `celery worker` subprocess on the test's own queue, with the recording mail backend."""

    def __init__(self, directory: Path, queue: str, redis_url: str, log: Path, env: dict):
        self.directory, self.queue, self.redis_url, self.log = directory, queue, redis_url, log
        self.env = env
        self.process: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        command = [
            sys.executable, "-m", "celery", "-A", "portal", "worker",
            "--pool", "threads", "--concurrency", "4", "--queues", self.queue,
            "--hostname", f"{self.queue}@%h",
            "--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel", "INFO",
        ]  # fmt: skip
        with open(self.log, "a") as log_file:
            self.process = subprocess.Popen(
                command,
                cwd=settings.BASE_DIR,
                env=self.env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: the worker dies at once, whatever it was doing (no warm shutdown)."""
        self.process.kill()
        self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def fail_next(self, sends: int) -> None:
        (self.directory / "fail_next").write_text(str(sends))

    def fail_next_pdf(self, renders: int) -> None:
        (self.directory / "fail_pdf_next").write_text(str(renders))

    def hold(self, when: str) -> None:
        """Hold the next send "before" or "after" the server accepts it, until `release()`."""
        (self.directory / "held").unlink(missing_ok=True)
        (self.directory / f"hold_{when}_send").write_text("")

    def wait_until_held(self) -> None:
        self.wait_for(lambda: (self.directory / "held").exists(), "a send to be held")

    def release(self) -> None:
        for name in ("hold_before_send", "hold_after_send"):
            (self.directory / name).unlink(missing_ok=True)

    def _lines(self, name: str) -> list[dict]:
        path = self.directory / name
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]

    def sent(self) -> list[dict]:
        return self._lines("sent.jsonl")

    def runs(self) -> list[dict]:
        return [r for r in self._lines("runs.jsonl") if r["task"].endswith("deliver_notification")]

    def wait_for(self, condition, what: str, *, sweep: bool = False):
        """Poll `condition`; with `sweep`, publish the sweeps every half second, as beat does
        every minute in production."""
        deadline = time.monotonic() + WAIT_SECONDS
        next_sweep = 0.0
        while time.monotonic() < deadline:
            value = condition()
            if value:
                return value
            if self.process.poll() is not None:
                break
            if sweep and time.monotonic() >= next_sweep:
                try:
                    sweep_notification_outbox.delay()
                    sweep_proposal_pdfs.delay()
                except Exception:  # the broker is not back yet: beat tries on its next tick  # noqa: BLE001
                    pass
                next_sweep = time.monotonic() + 0.5
            time.sleep(0.1)
        pytest.fail(f"Timed out waiting for {what}. Worker log:\n{self.log.read_text()[-4000:]}")


def _forget_broker_connections() -> None:
    """The app keeps its producer pool for the broker it first published to."""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@contextmanager
def running_worker(redis_url: str, tmp_path: Path, **extra_env: str):
    directory = tmp_path / "mail"
    directory.mkdir()
    queue = f"portal-test-{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.portal.worker_settings",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": redis_url,
        "PORTAL_TEST_MAIL_DIR": str(directory),
        "PORTAL_TEST_MAIL_DELAY": "0.5",
        "PORTAL_TEST_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "PORTAL_TEST_QUEUE": queue,
        **extra_env,
    }
    # This process publishes to the broker for real, on the test's own queue.
    # The app reads Django's CELERY_* settings: those names are the ones that count.
    overrides = {
        "CELERY_TASK_ALWAYS_EAGER": False,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "CELERY_BROKER_URL": redis_url,
    }
    saved = {key: getattr(celery_app.conf, key[len("CELERY_") :].lower()) for key in overrides}
    celery_app.conf.update(overrides)
    _forget_broker_connections()  # publish through connections to this test's broker
    worker = Worker(directory, queue, redis_url, tmp_path / "worker.log", env)
    try:
        yield worker
    finally:
        worker.release()
        worker.stop()
        celery_app.conf.update(saved)
        _forget_broker_connections()
        try:
            import redis

            redis.Redis.from_url(redis_url, socket_connect_timeout=1).delete(queue)
        except Exception:  # a private Redis may be gone already  # noqa: BLE001
            pass


class PrivateRedis:
    """A redis-server of the test's own (no persistence, like a restarted container), which the
    test may stop and start again on the same port without touching anyone else's Redis."""

    def __init__(self, directory: Path):
        self.directory = directory
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        import redis

        self.process = subprocess.Popen(
            [
                shutil.which("redis-server"),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],  # fmt: skip
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.RedisError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)

    def restart(self, *, down_for: float = 1.0) -> None:
        self.stop()
        time.sleep(down_for)
        self.start()


@pytest.fixture
def private_redis(tmp_path):
    if not shutil.which("redis-server"):
        _missing("redis-server is not installed (apt-get install redis-server)")
    server = PrivateRedis(tmp_path)
    try:
        yield server
    finally:
        if server.process.poll() is None:
            server.stop()


@pytest.fixture
def worker(require_postgresql, redis_url, transactional_db, tmp_path):
    with running_worker(redis_url, tmp_path) as running:
        yield running


def _enqueue(key: str) -> Notification:
    return notification_enqueue(
        to_email="founder@example.org",
        template="proposal_submitted",
        context={},
        rendered=("Proposal received", "We received your proposal.", "<p>We received it.</p>"),
        idempotency_key=key,
    )


def _status(notification: Notification) -> Notification:
    notification.refresh_from_db()
    return notification


def test_a_real_worker_delivers_a_queued_email_once(worker):
    notification = _enqueue("receipt:1")  # autocommit: published at once
    worker.wait_for(lambda: _status(notification).status == "sent", "the email to be sent")

    [mail] = worker.sent()
    assert mail["notification"] == str(notification.pk)
    assert mail["to"] == ["founder@example.org"]
    assert mail["alternatives"] == ["text/html"]
    assert notification.attempts == 1
    assert notification.sent_at is not None


def test_a_failed_smtp_send_is_retried_with_backoff_then_delivered(worker):
    worker.fail_next(2)
    notification = _enqueue("receipt:2")
    seen_errors = set()

    def delivered():
        current = _status(notification)
        if current.last_error:
            seen_errors.add(current.last_error)
        return current.status == "sent"

    # The worker records each failure with its next try; the sweeps start the retries.
    worker.wait_for(delivered, "the email to be sent after two failures", sweep=True)
    assert notification.attempts == 3
    assert notification.last_error == ""
    assert any("SMTPDataError" in error for error in seen_errors)  # visible while it waited
    assert [run["result"] for run in worker.runs()] == ["failed", "failed", "sent"]
    assert len(worker.sent()) == 1


def test_the_same_key_is_never_delivered_twice_even_when_scheduled_twice(worker):
    notification = _enqueue("receipt:3")
    assert _enqueue("receipt:3").pk == notification.pk  # a second enqueue publishes nothing
    for _ in range(3):  # and three more deliveries scheduled on purpose, run side by side
        assert schedule_delivery(notification_id=notification.pk)

    worker.wait_for(lambda: len(worker.runs()) >= 4, "the four delivery tasks to run")
    time.sleep(1)  # anything still running would record its send by now
    assert len(worker.runs()) == 4
    assert len(worker.sent()) == 1
    assert _status(notification).status == "sent"
    assert notification.attempts == 1
