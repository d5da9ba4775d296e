"""Login limits and API throttles behind the reverse proxy: each client is counted on its own
address, a forged X-Forwarded-For does not help, and only wrong passwords count as failures."""

from __future__ import annotations

import copy
import subprocess
import sys
import threading
import uuid

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse
from rest_framework.test import APIClient

import portal.settings as base_settings
from portal.client_address import AnonRateThrottle
from tests.factories import UserFactory
from tests.factories.portal import PASSWORD

PROXY = "10.0.0.2"  # every request reaches the portal from the proxy's address
CLIENT_A = "198.51.100.7"
CLIENT_B = "203.0.113.9"
TOO_MANY = "Too many failed login attempts"


class OverlappingLoginsHasher(PBKDF2PasswordHasher):
    iterations = 100_000  # a tenth of Django's: still some 50 ms a login


@pytest.fixture
def rate_limits():
    """allauth's limits on, one trusted proxy, and counters of this test's own: the configured
    cache (Redis when REDIS_URL is set) under a fresh key prefix, as clearing Redis would also
    clear the counters of tests running beside this one."""
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["KEY_PREFIX"] = f"login-limits-{uuid.uuid4().hex}"
    with override_settings(
        CACHES=caches,
        ACCOUNT_RATE_LIMITS=base_settings.ACCOUNT_RATE_LIMITS,
        ALLAUTH_TRUSTED_PROXY_COUNT=1,
    ):
        yield


def _through_proxy(client_address: str, forged: str = "") -> dict:
    """What the proxy passes on: the header the client sent (if any), the address it saw added."""
    forwarded = f"{forged}, {client_address}" if forged else client_address
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": forwarded}


def _login(client, email, password, **headers):
    return client.post(reverse("account_login"), {"login": email, "password": password}, **headers)


@pytest.mark.django_db
def test_one_clients_failures_do_not_lock_out_another(client, rate_limits):
    # Client A guesses passwords of five different people: its address reaches the limit.
    for n in range(5):
        _login(client, f"victim{n}@example.eu", "wrong", **_through_proxy(CLIENT_A))
    response = _login(client, "victim9@example.eu", "wrong", **_through_proxy(CLIENT_A))
    assert TOO_MANY in response.content.decode()

    user = UserFactory()
    response = _login(Client(), user.email, PASSWORD, **_through_proxy(CLIENT_B))
    assert response.status_code == 302


@pytest.mark.django_db
def test_without_a_trusted_proxy_everyone_behind_it_shares_one_address(client, rate_limits):
    """The counterpart: the limit keys on the proxy's address when no proxy is trusted."""
    with override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=0):
        for n in range(5):
            _login(client, f"victim{n}@example.eu", "wrong", **_through_proxy(CLIENT_A))
        user = UserFactory()
        response = _login(Client(), user.email, PASSWORD, **_through_proxy(CLIENT_B))
    assert TOO_MANY in response.content.decode()


@pytest.mark.django_db
def test_a_forged_forwarded_for_does_not_reset_the_count(client, rate_limits):
    for n in range(5):
        forged = f"192.0.2.{n}"  # a new "address" in each request, in the attacker's own header
        _login(client, f"victim{n}@example.eu", "wrong", **_through_proxy(CLIENT_A, forged))
    user = UserFactory()
    response = _login(client, user.email, PASSWORD, **_through_proxy(CLIENT_A, "192.0.2.99"))
    assert TOO_MANY in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_request_that_bypassed_a_proxy_is_answered_not_a_server_error(client, rate_limits):
    # Two trusted proxies, but only one entry: keyed on the socket's address, not a 500.
    with override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=2):
        user = UserFactory()
        response = _login(client, user.email, PASSWORD, HTTP_X_FORWARDED_FOR=CLIENT_A)
    assert response.status_code == 302


@pytest.mark.django_db
def test_api_throttles_key_on_the_same_client_address(rate_limits, monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/min", "user": "600/min"})
    api = APIClient()
    codes = [
        api.get("/api/v1/calls/", **_through_proxy(CLIENT_A, f"192.0.2.{n}")).status_code
        for n in range(4)
    ]
    assert codes == [200, 200, 200, 429]
    assert api.get("/api/v1/calls/", **_through_proxy(CLIENT_B)).status_code == 200


@pytest.mark.django_db
def test_an_api_request_without_a_client_address_is_throttled_not_refused(rate_limits):
    """A WSGI server on a Unix socket passes no REMOTE_ADDR: the API still answers (the schema
    too, which schemathesis and the docs page read)."""
    api = APIClient(REMOTE_ADDR="")
    assert api.get("/api/v1/calls/").status_code == 200
    assert api.get("/api/schema/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_twenty_correct_logins_at_once_from_one_address_all_succeed(
    require_postgresql, rate_limits, settings
):
    # A real hash takes long enough for the logins to overlap.
    settings.PASSWORD_HASHERS = [f"{__name__}.OverlappingLoginsHasher"]
    users = [UserFactory() for _ in range(4)]
    for user in users:
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    start = threading.Barrier(20)
    outcomes: list[tuple[int, bool]] = []

    def log_in(user):
        try:
            client = Client()
            start.wait()
            response = _login(client, user.email, PASSWORD, **_through_proxy(CLIENT_A))
            outcomes.append((response.status_code, "_auth_user_id" in client.session))
        finally:
            connection.close()

    threads = [threading.Thread(target=log_in, args=(users[n % 4],)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert outcomes == [(302, True)] * 20, outcomes


_PRINT_PROXY_SETTINGS = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.ALLAUTH_TRUSTED_PROXY_COUNT, s.REST_FRAMEWORK['NUM_PROXIES'], "
    "s.ALLAUTH_TRUSTED_CLIENT_IP_HEADER)"
)


def _proxy_settings(module: str, **variables: str) -> list[str]:
    from tests.portal.test_settings import _clean_env

    result = subprocess.run(
        [sys.executable, "-c", _PRINT_PROXY_SETTINGS],
        cwd=settings.BASE_DIR,
        env=_clean_env(DJANGO_SETTINGS_MODULE=module, **variables),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_the_trusted_proxies_come_from_the_environment():
    assert _proxy_settings("portal.settings") == ["0", "0", "None"]
    assert _proxy_settings(
        "portal.settings", TRUSTED_PROXY_COUNT="2", TRUSTED_CLIENT_IP_HEADER="X-Real-IP"
    ) == ["2", "2", "X-Real-IP"]


def test_production_trusts_the_one_proxy_it_requires_unless_told_otherwise():
    from tests.portal.test_settings import PRODUCTION

    production = "portal.settings.production"
    assert _proxy_settings(production, **PRODUCTION) == ["1", "1", "None"]
    assert _proxy_settings(production, TRUSTED_PROXY_COUNT="2", **PRODUCTION)[:2] == ["2", "2"]
