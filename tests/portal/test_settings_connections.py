"""Persistent database connections: off by default, 60 s in production, set from the environment,
always health-checked before reuse."""

from __future__ import annotations

import json
import subprocess
import sys

from django.conf import settings

from tests.portal.test_settings import PRODUCTION, _clean_env

PRINT_CONNECTIONS = """
import json
from django.conf import settings
db = settings.DATABASES["default"]
print(json.dumps([db["CONN_MAX_AGE"], db["CONN_HEALTH_CHECKS"]]))
"""


def _connections(module: str, **variables: str) -> list:
    result = subprocess.run(
        [sys.executable, "-c", PRINT_CONNECTIONS],
        cwd=settings.BASE_DIR,
        env=_clean_env(DJANGO_SETTINGS_MODULE=module, **variables),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_development_opens_a_connection_per_request_by_default():
    assert _connections("portal.settings") == [0, True]


def test_production_keeps_connections_for_a_minute_unless_told_otherwise():
    assert _connections("portal.settings.production", **PRODUCTION) == [60, True]
    assert _connections("portal.settings.production", CONN_MAX_AGE="300", **PRODUCTION) == [
        300,
        True,
    ]
    assert _connections("portal.settings.production", CONN_MAX_AGE="0", **PRODUCTION) == [0, True]
