"""Background work under faults, with real Celery workers: Redis restarts while work waits and a
send is in progress, the database drops the worker's connection after the mail server accepted a
mail, and a worker is killed in the middle of a send. No work is lost and the worker lives on;
a mail is sent twice only when its worker died between the server's acceptance and the status
write, and then both copies carry the same Message-ID.

The worker and its fixtures are those of test_celery_worker.py; sweeps are published every half
second while a test waits, as beat does every minute.
"""

# ruff: noqa: F811  (pytest fixtures imported from test_celery_worker share their names)
from __future__ import annotations

import time

import pytest
from django.db import connection
from django.utils import timezone

from portal.models import Notification
from portal.services.notifications import message_id_for, notification_enqueue
from tests.portal.test_celery_worker import (  # noqa: F401  (fixtures)
    private_redis,
    running_worker,
    worker,
)

pytestmark = [pytest.mark.redis, pytest.mark.postgres]


def _enqueue(key: str) -> Notification:
    return notification_enqueue(
        to_email="founder@example.org",
        template="proposal_submitted",
        context={},
        rendered=("Proposal received", "We received your proposal.", ""),
        idempotency_key=key,
    )


def _row(notification: Notification) -> Notification:
    notification.refresh_from_db()
    return notification


def _sent_keys(worker) -> list[str]:
    return [mail["message_id"] for mail in worker.sent()]


def test_a_worker_outlives_a_redis_restart_while_a_retry_waits_and_a_send_is_in_progress(
    require_postgresql, private_redis, transactional_db, tmp_path, settings
):
    with running_worker(private_redis.url, tmp_path) as worker:
        worker.fail_next(1)
        waiting = _enqueue("restart:retry")
        worker.wait_for(lambda: _row(waiting).will_retry, "the first attempt to fail")
        # Another send is in progress (its message unacknowledged) when Redis goes away.
        worker.hold("before")
        in_flight = _enqueue("restart:in-flight")
        worker.wait_until_held()

        private_redis.stop()
        # Work committed while the broker is down is kept, due at once for the next sweep.
        handed_over_late = _enqueue("restart:broker-down")
        assert _row(handed_over_late).next_attempt_at <= timezone.now()
        time.sleep(1)
        private_redis.start()
        worker.release()

        rows = (waiting, in_flight, handed_over_late)
        worker.wait_for(
            lambda: all(_row(n).status == Notification.Status.SENT for n in rows),
            "every mail to be sent after Redis came back",
            sweep=True,
        )
        assert worker.alive(), worker.log.read_text()[-4000:]
        assert "Unrecoverable error" not in worker.log.read_text()
        assert sorted(_sent_keys(worker)) == sorted(message_id_for(n.idempotency_key) for n in rows)
        assert (_row(waiting).attempts, _row(in_flight).attempts) == (2, 1)


def _terminate_other_backends() -> int:
    """Cut every other connection to the test database (the worker's): the portal's role may
    terminate the backends of its own role without being a superuser."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def test_a_database_connection_cut_after_the_server_accepted_a_mail_still_records_it_sent(
    worker,
):
    worker.hold("after")
    notification = _enqueue("db-cut:1")
    worker.wait_until_held()  # the server has the mail; the worker has not written "sent" yet
    assert _terminate_other_backends() >= 1
    worker.release()

    worker.wait_for(lambda: _row(notification).status == "sent", "the row to be marked sent")
    assert notification.attempts == 1
    assert notification.last_error == ""
    assert len(worker.sent()) == 1
    assert "Database connection lost writing notification" in worker.log.read_text()
    # The worker goes on with a fresh connection for the next task.
    after = _enqueue("db-cut:2")
    worker.wait_for(lambda: _row(after).status == "sent", "the next mail to be sent")


def test_a_worker_killed_mid_send_leaves_no_mail_lost_and_a_resend_with_the_same_message_id(
    require_postgresql, redis_url, transactional_db, tmp_path
):
    with running_worker(redis_url, tmp_path, PORTAL_TEST_LEASE_SECONDS="5") as worker:
        worker.hold("after")
        notification = _enqueue("killed:1")
        worker.wait_until_held()  # accepted by the server, not yet recorded as sent
        worker.kill()
        worker.release()
        assert _row(notification).status == Notification.Status.SENDING

        worker.start()  # nobody re-queues anything: the lease runs out and the sweep takes it
        worker.wait_for(
            lambda: _row(notification).status == "sent", "the mail to be sent again", sweep=True
        )
        assert notification.attempts == 2
        first, second = worker.sent()
        assert first["message_id"] == second["message_id"]
        assert first["message_id"] == message_id_for("killed:1")
