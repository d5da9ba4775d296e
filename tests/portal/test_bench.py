"""`manage.py bench` runs end to end on a tiny dataset (what it prints is checked, not the time)."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from portal.models import Organisation, User
from tests.factories import UserFactory


@pytest.mark.django_db
def test_bench_prints_every_figure_as_a_ratio_to_the_floor_and_leaves_no_data(tmp_path):
    out = StringIO()
    report = tmp_path / "bench.json"
    call_command("bench", scale=0.002, repeat=2, warmup=1, json_path=str(report), stdout=out)
    printed = out.getvalue()
    assert "floor: /healthz" in printed
    for figure in ("home page, anonymous", "organisation page", "notifications page"):
        assert figure in printed
    assert "error" not in printed

    results = json.loads(report.read_text())
    assert results["figures"][0]["ratio"] == 1.0
    assert all(row["median_ms"] > 0 and row["ratio"] > 0 for row in results["figures"])
    assert results["figures"][0]["queries"] == 0  # the floor touches no database
    organisation_page = next(r for r in results["figures"] if "organisation" in r["name"])
    assert organisation_page["queries"] > 0
    assert any("organisations" in line for line in results["datasets"])
    # The synthetic data was rolled back.
    assert not User.objects.exists()
    assert not Organisation.objects.exists()


@pytest.mark.django_db
def test_bench_refuses_a_database_that_already_has_users():
    UserFactory()
    with pytest.raises(CommandError, match="already holds 1 users"):
        call_command("bench", scale=0.001, repeat=1, warmup=0, stdout=StringIO())


@pytest.mark.django_db
def test_bench_only_runs_the_figures_asked_for():
    out = StringIO()
    call_command("bench", scale=0.001, repeat=1, warmup=0, only="organisation", stdout=out)
    assert "organisation page" in out.getvalue()
    assert "home page" not in out.getvalue()
