"""The no-skip switch of tests/conftest.py: CI relies on it to prove every test ran.

Each case runs pytest in a subprocess on a small test file beside a copy of the suite's conftest,
with no database URL, so PostgreSQL counts as absent.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from django.conf import settings

TESTS = """
import pytest

def test_needs_postgresql(require_postgresql):
    pass

def test_skips_for_its_own_reason():
    pytest.skip("nothing to do here")

def test_plain():
    assert True
"""


def _run_pytest(tmp_path: Path, *args: str, require: bool) -> subprocess.CompletedProcess:
    shutil.copy(Path(__file__).parent / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "test_cases.py").write_text(TESTS)
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\n"
        "DJANGO_SETTINGS_MODULE = portal.settings.test\n"
        "addopts = -rs -p no:cacheprovider\n"
    )
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    env.update(
        PYTHONPATH=str(settings.BASE_DIR),
        ENV_FILE="/nonexistent/.env",
        DATABASE_URL="",
        REDIS_URL="",
        PORTAL_REQUIRE_SERVICES="1" if require else "0",
    )
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:xdist", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_without_the_switch_an_absent_service_skips_with_its_reason(tmp_path):
    result = _run_pytest(tmp_path, require=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PostgreSQL is not configured (set DATABASE_URL" in result.stdout
    assert "1 passed, 2 skipped" in result.stdout


def test_with_the_switch_an_absent_service_fails_the_test(tmp_path):
    result = _run_pytest(tmp_path, "test_cases.py::test_needs_postgresql", require=True)
    assert result.returncode == 1
    assert "PORTAL_REQUIRE_SERVICES=1 but PostgreSQL is not configured" in result.stdout
    assert "1 error" in result.stdout  # failed in its fixture, before the test body


def test_with_the_switch_any_skip_fails_the_session(tmp_path):
    result = _run_pytest(
        tmp_path,
        "test_cases.py::test_skips_for_its_own_reason",
        "test_cases.py::test_plain",
        require=True,
    )
    assert result.returncode == 1
    assert "1 test(s) skipped; failing the run" in result.stdout
    assert "1 passed, 1 skipped" in result.stdout
