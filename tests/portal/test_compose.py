"""docker-compose.yml and the Dockerfile describe the production-like stack the README promises."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command

ROOT = Path(settings.BASE_DIR)


@pytest.fixture(scope="module")
def services() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


def _command(service: dict) -> str:
    command = service["command"]
    return " ".join(command) if isinstance(command, list) else command


def test_the_stack_has_web_worker_beat_db_and_redis(services):
    assert set(services) == {"web", "worker", "beat", "db", "redis"}


def test_web_migrates_then_serves_with_gunicorn(services):
    command = _command(services["web"])
    assert command.index("migrate --noinput") < command.index("gunicorn -c gunicorn.conf.py")
    assert "8000:8000" in services["web"]["ports"]
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])


def test_worker_and_exactly_one_beat_run_celery(services):
    assert "celery -A portal worker" in _command(services["worker"])
    beat = _command(services["beat"])
    assert "celery -A portal beat" in beat
    assert "django_celery_beat.schedulers:DatabaseScheduler" in beat
    assert beat.index("sync_periodic_tasks") < beat.index("celery -A portal beat")
    assert services["beat"]["deploy"]["replicas"] == 1


def test_app_services_share_the_image_and_point_at_db_and_redis(services):
    for name in ("web", "worker", "beat"):
        environment = services[name]["environment"]
        assert services[name]["build"] == "."
        assert environment["DJANGO_SETTINGS_MODULE"] == "portal.settings.production"
        assert "@db:5432/" in environment["DATABASE_URL"]
        assert environment["REDIS_URL"].startswith("redis://redis:6379/")


def test_app_services_trust_the_one_proxy_in_front_of_web(services):
    # Login limits and API throttles count clients on the address the proxy forwards.
    for name in ("web", "worker", "beat"):
        assert services[name]["environment"]["TRUSTED_PROXY_COUNT"] == "${TRUSTED_PROXY_COUNT:-1}"


def test_postgres_has_a_volume_and_a_readiness_check(services):
    db = services["db"]
    assert db["image"] == "postgres:15"
    assert any(volume.endswith(":/var/lib/postgresql/data") for volume in db["volumes"])
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])


def test_redis_has_a_ping_check(services):
    assert services["redis"]["image"].startswith("redis:")
    assert services["redis"]["healthcheck"]["test"][-2:] == ["redis-cli", "ping"]


@pytest.mark.parametrize("name", ["web", "worker", "beat"])
def test_app_services_wait_for_healthy_dependencies(services, name):
    depends_on = services[name]["depends_on"]
    assert depends_on["db"]["condition"] == "service_healthy"
    assert depends_on["redis"]["condition"] == "service_healthy"
    if name != "web":  # migrations are applied by web before workers touch the tables
        assert depends_on["web"]["condition"] == "service_healthy"


def test_every_healthcheck_target_has_a_healthcheck(services):
    for name, service in services.items():
        for dependency, condition in service.get("depends_on", {}).items():
            if condition["condition"] == "service_healthy":
                assert "healthcheck" in services[dependency], f"{name} waits on {dependency}"


def test_dockerfile_builds_the_portal_with_pango_and_static_files():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert dockerfile.startswith("# ") and "FROM python:3.11-slim-bookworm" in dockerfile
    assert "libpango-1.0-0" in dockerfile and "libpangoft2-1.0-0" in dockerfile
    assert "pip install ." in dockerfile
    assert "collectstatic --noinput" in dockerfile
    assert '"gunicorn"' in dockerfile


def test_env_example_sets_what_production_needs():
    lines = (ROOT / ".env.example").read_text().splitlines()
    names = {line.split("=", 1)[0] for line in lines if "=" in line and not line.startswith("#")}
    assert {"SECRET_KEY", "ALLOWED_HOSTS", "POSTGRES_PASSWORD", "EMAIL_URL"} <= names
    # Nothing that would weaken production is switched on by copying the example.
    assert "DEBUG" not in names


@pytest.mark.django_db
def test_wait_for_services_reports_the_database_up():
    out = StringIO()
    call_command("wait_for_services", timeout=5, stdout=out)
    assert "database is up." in out.getvalue()


def test_web_and_the_image_serve_with_the_gunicorn_configuration(services):
    assert "gunicorn -c gunicorn.conf.py" in _command(services["web"])
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert 'CMD ["gunicorn", "-c", "gunicorn.conf.py"]' in dockerfile


def test_gunicorn_configuration_preloads_and_freezes_the_start_up_objects(monkeypatch):
    """Loaded the way gunicorn loads it; its fork hooks freeze what the master loaded and leave
    the workers collecting with the tuned thresholds."""
    import gc

    from gunicorn.config import Config

    monkeypatch.setenv("WEB_CONCURRENCY", "2")
    monkeypatch.setenv("GUNICORN_GC_THRESHOLDS", "40000,15,90")
    config = Config()
    namespace = {"__file__": str(ROOT / "gunicorn.conf.py")}
    exec(compile((ROOT / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"), namespace)
    for name in ("wsgi_app", "bind", "workers", "preload_app", "pre_fork", "post_fork"):
        config.set(name, namespace[name])
    assert config.preload_app is True
    assert config.workers == 2
    assert config.wsgi_app == "portal.wsgi:application"

    thresholds, frozen_before = gc.get_threshold(), gc.get_freeze_count()
    try:
        assert not gc.isenabled()  # loading the configuration stopped collections (master)
        config.pre_fork(None, None)
        assert gc.get_freeze_count() > frozen_before
        config.post_fork(None, None)
        assert gc.isenabled()
        assert gc.get_threshold() == (40000, 15, 90)
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
        gc.enable()
