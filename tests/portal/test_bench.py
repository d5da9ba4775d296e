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
    assert "floor: signed-in officer" in printed
    for figure in ("home page, anonymous", "organisation page", "notifications page"):
        assert figure in printed
    assert "error" not in printed

    results = json.loads(report.read_text())
    floor = results["figures"][0]
    assert floor["ratio"] == 1.0
    assert all(row["median_ms"] > 0 and row["ratio"] > 0 for row in results["figures"])
    # The floor is a signed-in page: session, user, and the staff TOTP check read the database.
    assert floor["queries"] >= 3
    organisation_page = next(r for r in results["figures"] if "organisation" in r["name"])
    assert organisation_page["queries"] > 0
    # Lists are measured at each size of their series (at this scale: 10 proposals only).
    cutoff_list = [r for r in results["figures"] if r["name"].startswith("officer cut-off list:")]
    assert [r["size"] for r in cutoff_list] == [10]
    assert cutoff_list[0]["name"].endswith("[10 proposals]")
    assert any(r["name"].startswith("API proposals list") for r in results["figures"])
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


@pytest.mark.django_db
def test_each_list_is_measured_at_two_sizes():
    out = StringIO()
    call_command("bench", scale=0.02, repeat=1, warmup=0, only="cut-off list:", stdout=out)
    printed = out.getvalue()
    assert "[50 proposals]" in printed and "[100 proposals]" in printed
    assert "the cut-off now holds 50 submitted proposals" in printed
    assert "the cut-off now holds 100 submitted proposals" in printed


@pytest.mark.django_db(transaction=True)
def test_http_mode_serves_the_portal_with_gunicorn_and_signs_in_over_http():
    """--http's server: gunicorn with gunicorn.conf.py against the database the data is in,
    answering the floor page over a real request with the session cookie of a signed-in user."""
    from allauth.mfa.models import Authenticator
    from django.urls import reverse

    from portal.benchmarking import BenchContext
    from portal.management.commands.bench import Command
    from tests.factories import ProgrammeOfficerFactory

    officer = ProgrammeOfficerFactory()
    Authenticator.objects.get_or_create(
        user=officer, type=Authenticator.Type.TOTP, defaults={"data": {"secret": "t"}}
    )
    ctx = BenchContext()
    out = StringIO()
    command = Command(stdout=out)
    with command._server(ctx, http=True):
        assert ctx.server is not None
        assert ctx.page(reverse("healthz_session"), user=officer)() == b"ok"
        anonymous = ctx.page(reverse("healthz_session"), expect=403)
        assert anonymous() == b"not signed in"
    assert ctx.server is None
    assert "gunicorn (1 worker, DEBUG off)" in out.getvalue()
