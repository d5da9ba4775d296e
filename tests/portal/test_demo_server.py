"""The demo (`make demo` / `make serve`) serves the portal's own error pages, never Django's debug
page that lists every route, and still serves the static files."""

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


@pytest.fixture
def demo_server(tmp_path):
    """`make serve` on a free port, on an empty SQLite database: pages that need a table fail
    (a real server error), pages that need none still work."""
    if not (BASE_DIR / ".venv" / ".installed").exists():
        pytest.skip("the project's .venv is not installed (make .venv/.installed)")
    port = _free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "PYTEST_XDIST_WORKER"}
    }
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'empty.sqlite3'}", ENV_FILE=str(tmp_path / "none")
    )
    server = subprocess.Popen(
        ["make", "--no-print-directory", "serve", f"DEMO_ADDRESS=127.0.0.1:{port}"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # make, runserver and its reloader child stop together
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                _get(f"{url}/healthz")
                break
            except OSError:
                assert server.poll() is None, "make serve exited"
                time.sleep(0.3)
        else:
            pytest.fail("make serve did not answer within 60 s")
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(20)


def test_the_demo_shows_the_portals_own_404_and_500_pages(demo_server):
    status, body = _get(f"{demo_server}/no-such-page/")
    assert status == 404
    assert "Page not found" in body and "Compute Access Portal" in body
    assert "URLconf" not in body and "DEBUG = True" not in body  # Django's debug 404 lists routes

    status, body = _get(f"{demo_server}/")  # the calls table does not exist: a server error
    assert status == 500
    assert "Something went wrong on our side" in body
    assert "Traceback" not in body and "DEBUG = True" not in body

    status, css = _get(f"{demo_server}/static/css/portal.css")
    assert status == 200 and css.strip()
