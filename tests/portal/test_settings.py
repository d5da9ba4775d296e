"""Settings come from the environment: each case imports the settings in a clean subprocess."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys

from django.conf import settings

PRINT_SETTINGS = """
import json
from django.conf import settings
import django
django.setup()
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "db_name": str(settings.DATABASES["default"]["NAME"]),
    "db_host": settings.DATABASES["default"].get("HOST", ""),
    "db_port": str(settings.DATABASES["default"].get("PORT", "")),
    "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "broker": settings.CELERY_BROKER_URL,
    "cache": settings.CACHES["default"]["BACKEND"],
    "cache_location": settings.CACHES["default"].get("LOCATION", ""),
    "email_backend": settings.EMAIL_BACKEND,
    "email_host": settings.EMAIL_HOST,
    "debug": settings.DEBUG,
    "allowed_hosts": settings.ALLOWED_HOSTS,
    "media_root": str(settings.MEDIA_ROOT),
    "secret_key": settings.SECRET_KEY,
    "staff_mfa_required": settings.PORTAL_STAFF_MFA_REQUIRED,
}))
"""


def _clean_env(**variables: str) -> dict[str, str]:
    """Only what a shell needs, no .env file, plus the variables of the case."""
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    return {**env, "ENV_FILE": "/nonexistent/.env", **variables}


def _settings_with(module: str = "portal.settings", **variables: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=settings.BASE_DIR,
        env=_clean_env(DJANGO_SETTINGS_MODULE=module, **variables),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_with_nothing_set_the_portal_runs_embedded():
    values = _settings_with()
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["db_name"].endswith("db.sqlite3")
    assert values["eager"] is True
    assert values["broker"] == "memory://"
    assert values["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert values["email_backend"] == "django.core.mail.backends.console.EmailBackend"
    assert values["debug"] is True


def test_an_empty_database_url_counts_as_unset():
    assert _settings_with(DATABASE_URL="")["engine"] == "django.db.backends.sqlite3"


def test_database_url_switches_to_postgresql():
    values = _settings_with(DATABASE_URL="postgres://portal:secret@db.internal:5433/portal")
    assert values["engine"] == "django.db.backends.postgresql"
    assert (values["db_name"], values["db_host"], values["db_port"]) == (
        "portal",
        "db.internal",
        "5433",
    )
    assert values["eager"] is True  # the broker is a separate switch


def test_redis_url_switches_the_broker_and_the_cache():
    url = "redis://cache.internal:6379/3"
    values = _settings_with(REDIS_URL=url)
    assert values["broker"] == url
    assert values["eager"] is False
    assert values["cache"] == "portal.cache.ResilientRedisCache"
    assert values["cache_location"] == url
    assert values["engine"] == "django.db.backends.sqlite3"


def test_mail_hosts_media_secret_and_debug_come_from_the_environment(tmp_path):
    values = _settings_with(
        EMAIL_URL="smtp+tls://mailer:pw@smtp.example.org:587",
        ALLOWED_HOSTS="portal.example.org,www.portal.example.org",
        MEDIA_ROOT=str(tmp_path),
        SECRET_KEY="from-the-environment",
        DEBUG="off",
    )
    assert values["email_backend"] == "django.core.mail.backends.smtp.EmailBackend"
    assert values["email_host"] == "smtp.example.org"
    assert values["allowed_hosts"] == ["portal.example.org", "www.portal.example.org"]
    assert values["media_root"].rstrip("/") == str(tmp_path)
    assert values["secret_key"] == "from-the-environment"
    assert values["debug"] is False


def _manage(*args: str, **variables: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=_clean_env(**variables),
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "SECRET_KEY": secrets.token_urlsafe(64),
    "ALLOWED_HOSTS": "portal.example.org",
    "DATABASE_URL": "postgres://portal:secret@db.internal:5432/portal",
}


def test_production_settings_pass_the_deploy_check_without_warnings():
    result = _manage("check", "--deploy", "--settings=portal.settings.production", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_staff_totp_can_be_relaxed_for_the_demo_but_never_in_production():
    assert _settings_with()["staff_mfa_required"] is True
    assert _settings_with(PORTAL_STAFF_MFA_REQUIRED="0")["staff_mfa_required"] is False
    production = _settings_with(
        "portal.settings.production", PORTAL_STAFF_MFA_REQUIRED="0", **PRODUCTION
    )
    assert production["staff_mfa_required"] is True
    assert production["debug"] is False


def test_production_settings_refuse_to_start_without_a_secret_key():
    variables = {key: value for key, value in PRODUCTION.items() if key != "SECRET_KEY"}
    result = _manage("check", "--settings=portal.settings.production", **variables)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_settings_refuse_the_embedded_database():
    variables = {key: value for key, value in PRODUCTION.items() if key != "DATABASE_URL"}
    result = _manage("check", "--settings=portal.settings.production", **variables)
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr
