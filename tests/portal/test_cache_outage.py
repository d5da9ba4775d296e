"""With Redis down the portal keeps working: the cache degrades to process memory with a warning,
sessions live in the database, and rate limits, throttles and the autosave's bookkeeping go on."""

from __future__ import annotations

import logging
import socket
import subprocess
import time

import pytest
import redis
from django.conf import settings
from django.core.cache import caches
from django.test import override_settings
from django.urls import reverse

import portal.cache
import portal.settings as base_settings
from portal.cache import ResilientRedisCache
from portal.client_address import AnonRateThrottle
from tests.factories import CallPartitionFactory, ProposalFactory, UserFactory
from tests.factories.portal import PASSWORD

pytestmark = pytest.mark.django_db

CLOSED_PORT_URL = "redis://127.0.0.1:6399/0"
HTMX = {"HTTP_HX_REQUEST": "true"}


def _port_is_closed(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


@pytest.fixture(autouse=True)
def _no_outage_remembered():
    """The outage is remembered per process: each test finds Redis down afresh."""
    portal.cache._down_until.clear()
    yield
    portal.cache._down_until.clear()


@pytest.fixture
def redis_down(caplog):
    """The default cache is a Redis on a port nothing listens on; allauth's limits are on."""
    assert _port_is_closed(6399)
    config = {
        "default": {
            "BACKEND": "portal.cache.ResilientRedisCache",
            "LOCATION": CLOSED_PORT_URL,
            "KEY_PREFIX": "outage-test",
        }
    }
    caplog.set_level(logging.WARNING, logger="portal.cache")
    with override_settings(CACHES=config, ACCOUNT_RATE_LIMITS=base_settings.ACCOUNT_RATE_LIMITS):
        # The fallback memory outlives a test: start each with empty counters (without a call
        # to Redis, so that the test's own first call is the one that finds it down).
        caches["default"]._fallback.clear()
        yield caplog
        caches["default"]._fallback.clear()


def _outage_logged(caplog) -> bool:
    return any(
        record.name == "portal.cache" and "Redis cache unreachable" in record.getMessage()
        for record in caplog.records
    )


def test_sessions_are_kept_in_the_database_not_the_cache():
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    assert settings.MESSAGE_STORAGE.endswith("SessionStorage")


def test_login_works_and_the_outage_is_logged(client, redis_down):
    user = UserFactory()
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    assert _outage_logged(redis_down)
    # One line per outage, not one per cache call.
    unreachable = [r for r in redis_down.records if "unreachable" in r.getMessage()]
    assert len(unreachable) == 1


def test_failed_logins_are_still_limited_in_the_process(client, redis_down):
    user = UserFactory()
    url = reverse("account_login")
    for _ in range(5):
        client.post(url, {"login": user.email, "password": "wrong"})
    response = client.post(url, {"login": user.email, "password": PASSWORD})
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_autosave_and_save_of_a_section(client, redis_down):
    draft = ProposalFactory(title="", acronym="", abstract="")
    CallPartitionFactory(call=draft.call)
    client.force_login(draft.created_by)
    kwargs = {"pk": draft.pk, "section": "summary"}
    section = reverse("applications:proposal_section", kwargs=kwargs)
    autosave = reverse("applications:proposal_autosave", kwargs=kwargs)
    data = {"title": "Speech model", "acronym": "SPEECH", "abstract": "We train a speech model."}
    editor = "a" * 32
    response = client.post(autosave, {**data, "version": draft.version, "editor": editor}, **HTMX)
    assert response.status_code == 200
    assert "Saved at" in response.content.decode()
    # The page's own autosave overtook its Save button: remembered in process memory, so the
    # Save is not mistaken for a teammate's conflict.
    response = client.post(
        section, {**data, "title": "Speech model v2", "version": draft.version, "editor": editor}
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.title == "Speech model v2"
    assert _outage_logged(redis_down)


def test_api_lists_answer_and_are_still_throttled(client, redis_down, monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "2/min", "user": "600/min"})
    user = UserFactory()
    client.force_login(user)
    assert client.get("/api/v1/proposals/").status_code == 200
    client.logout()
    codes = [client.get("/api/v1/calls/").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert _outage_logged(redis_down)


# --- the backend itself --------------------------------------------------------------------------


def _backend(location: str) -> ResilientRedisCache:
    backend = ResilientRedisCache(location, {"KEY_PREFIX": f"resilience-{time.monotonic_ns()}"})
    backend.RETRY_AFTER_SECONDS = 0  # try Redis again on every call
    return backend


def test_every_cache_operation_degrades_while_redis_is_down(caplog):
    backend = _backend(CLOSED_PORT_URL)
    with caplog.at_level(logging.WARNING, logger="portal.cache"):
        assert backend.add("lock", True, 10) is True
        assert backend.add("lock", True, 10) is False  # a lock still locks, in one process
        backend.set("count", 1)
        assert backend.incr("count") == 2
        assert backend.get_many(["count", "lock"]) == {"count": 2, "lock": True}
        backend.set_many({"a": 1, "b": 2})
        assert backend.has_key("a")
        backend.delete_many(["a", "b"])
        assert backend.get("a", "gone") == "gone"
        assert backend.get_or_set("c", 3) == 3
        assert backend.touch("c", 60)
        assert backend.delete("c")
        backend.clear()
    assert _outage_logged(caplog)


def test_an_outage_is_logged_once_per_process_not_once_per_thread(caplog):
    # Django gives each thread its own cache object; they share what they know of the outage.
    per_thread = [ResilientRedisCache(CLOSED_PORT_URL, {"KEY_PREFIX": "t"}) for _ in range(4)]
    with caplog.at_level(logging.WARNING, logger="portal.cache"):
        for n, backend in enumerate(per_thread):
            backend.set("shared", n)
    assert [backend.get("shared") for backend in per_thread] == [3, 3, 3, 3]
    assert len([r for r in caplog.records if "unreachable" in r.getMessage()]) == 1


@pytest.fixture
def private_redis(tmp_path):
    """A Redis of this test's own, which it may stop and start again."""
    port = 6395
    if not _port_is_closed(port):
        pytest.skip(f"port {port} is in use")

    def start():
        process = subprocess.Popen(
            ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"],
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis(port=port)
        for _ in range(100):
            try:
                client.ping()
                return process
            except redis.ConnectionError:
                time.sleep(0.05)
        process.kill()
        pytest.fail("the private redis-server did not start")

    def stop(process):
        process.terminate()
        process.wait(timeout=10)

    if subprocess.run(["which", "redis-server"], capture_output=True).returncode:
        pytest.skip("redis-server is not installed")
    process = start()
    handle = {"port": port, "process": process, "start": start, "stop": stop}
    yield handle
    if handle["process"].poll() is None:
        stop(handle["process"])


def test_a_restarted_redis_is_used_again(private_redis, caplog):
    backend = _backend(f"redis://127.0.0.1:{private_redis['port']}/0")
    raw = redis.Redis(port=private_redis["port"])
    backend.set("before", "in redis")
    assert raw.exists(backend.make_key("before"))

    private_redis["stop"](private_redis["process"])
    with caplog.at_level(logging.WARNING, logger="portal.cache"):
        backend.set("during", "in memory")
        assert backend.get("during") == "in memory"
        private_redis["process"] = private_redis["start"]()
        backend.set("after", "in redis")
    assert raw.get(backend.make_key("after")) is not None
    messages = [record.getMessage() for record in caplog.records]
    assert any("unreachable" in message for message in messages)
    assert "Redis cache reachable again" in messages
