"""`manage.py bench`: time the portal's pages on a large synthetic dataset.

Figures are medians of N repetitions after a warm-up, printed as ratios against a floor measured
in the same run: a trivial page for a signed-in programme officer (`/healthz/session`), which goes
through the whole middleware stack (session, authentication, the staff TOTP check) and does
nothing else. Each figure's requests alternate with the floor's, and its ratio is taken against
those floor requests, so that a busy machine weighs on both alike. Ratios compare across machines
and runs, milliseconds alone do not. Lists are measured at two sizes (50 and 5,000 rows; 50,000
with --scale 10), so growth shows.

In process (the default) the data is built with bulk_create inside one transaction that is rolled
back at the end, and pages are fetched with Django's test client. With --http the data is
committed to a throwaway database (the configured one's test database, dropped at the end), and
the portal is served by gunicorn (gunicorn.conf.py, one worker, DEBUG off) on a local port;
pages are timed over real HTTP requests, as a browser behind a proxy would fetch them.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test.utils import (
    override_settings,
    setup_test_environment,
    teardown_test_environment,
)
from django.urls import reverse

from portal.benchmarking import BenchContext, HttpServer, Timed, registered
from portal.celery import app as celery_app
from portal.models import User
from portal.roles import ensure_role_groups

FLOOR = "floor: signed-in officer, trivial page (session, authentication, TOTP check)"


class Command(BaseCommand):
    help = "Time pages on a large synthetic dataset; print figures as ratios against a floor."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0, help="Dataset size factor.")
        parser.add_argument("--repeat", type=int, default=20, help="Timed repetitions.")
        parser.add_argument("--warmup", type=int, default=3, help="Untimed runs first.")
        parser.add_argument("--only", default="", help="Only figures whose name contains this.")
        parser.add_argument("--json", dest="json_path", default="", help="Also write JSON here.")
        parser.add_argument(
            "--http",
            action="store_true",
            help="Serve the portal with gunicorn (1 worker, DEBUG off) on a local port, with the "
            "data committed to a throwaway database, and time pages over real requests.",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even if the database already holds users (its data is left untouched, "
            "but it is part of what is measured).",
        )

    def handle(self, *args, scale, repeat, warmup, only, json_path, http, force, **options):
        if repeat < 1:
            raise CommandError("--repeat must be at least 1.")
        if not http:
            existing = User.objects.count()
            if existing and not force:
                raise CommandError(
                    f"The database already holds {existing} users. The bench builds its own "
                    "data: run it on an empty database (`make bench BENCH_DATABASE_URL=...`; "
                    "without DATABASE_URL it uses var/bench.sqlite3), pass --http (a throwaway "
                    "database) or pass --force."
                )
        datasets, series, figures = registered()
        figures = [figure for figure in figures if only.lower() in figure.name.lower()]
        own_environment = self._enter_test_environment()
        eager = celery_app.conf.task_always_eager
        celery_app.conf.task_always_eager = True  # nothing of the synthetic data reaches a broker
        try:
            with override_settings(DEBUG=False):
                if http:
                    with self._throwaway_database():
                        results = self._run(datasets, series, figures, scale, repeat, warmup, True)
                else:
                    # Role groups are reference data (like the catalogue's units): committed
                    # first, so figures working on connections of their own see them too.
                    ensure_role_groups()
                    with transaction.atomic():
                        results = self._run(datasets, series, figures, scale, repeat, warmup, False)
                        transaction.set_rollback(True)
        finally:
            celery_app.conf.task_always_eager = eager
            if own_environment:
                teardown_test_environment()
        if json_path:
            Path(json_path).parent.mkdir(parents=True, exist_ok=True)
            Path(json_path).write_text(json.dumps(results, indent=2))
        if any(row.get("error") for row in results["figures"]):
            raise CommandError("Some figures could not be measured (see above).")

    @staticmethod
    def _enter_test_environment() -> bool:
        """The test client needs 'testserver' allowed, and mail must stay in memory."""
        try:
            setup_test_environment(debug=False)
        except RuntimeError:  # already inside a test run
            return False
        return True

    # --- the run ---------------------------------------------------------------------------------

    width = len(FLOOR)
    _floor_page = None

    def _run(self, datasets, series, figures, scale, repeat, warmup, http) -> dict:
        ctx = BenchContext(scale=scale)
        results: dict = {
            "database": connection.vendor,
            "mode": "http" if http else "in process",
            "scale": scale,
            "repeat": repeat,
            "warmup": warmup,
            "datasets": [],
            "figures": [],
        }
        started = time.perf_counter()
        for dataset in datasets:
            description = dataset.build(ctx) or dataset.name
            results["datasets"].append(description)
            self.stdout.write(f"data: {description}")
        self._analyze()
        self.stdout.write(f"data built in {time.perf_counter() - started:.1f} s\n")

        sized = {s.name: [f for f in figures if f.series == s.name] for s in series}
        names = [FLOOR, *(f.name for f in figures if not f.series)]
        for each in series:
            for size in each.sizes(ctx):
                names += [self._sized(f.name, size, each.name) for f in sized[each.name]]
        self.width = max(len(name) for name in names)

        with self._server(ctx, http):
            header = (
                f"{'figure':<{self.width}} {'median ms':>10} {'p95 ms':>8} {'x floor':>8} "
                f"{'queries':>8} {'KB':>7}"
            )
            self.stdout.write(header)
            self.stdout.write("-" * len(header))
            self._floor_page = ctx.page(reverse("healthz_session"), user=self._officer(ctx))
            floor = self._measure(self._floor_page, repeat, warmup)
            if floor["queries"] == 0:
                raise CommandError("The floor ran no query: it is not a signed-in page.")
            self._print_row(FLOOR, floor, floor["median_ms"])
            results["figures"].append({"name": FLOOR, **floor, "ratio": 1.0})
            for figure in figures:
                if not figure.series:
                    self._figure(ctx, figure, figure.name, floor, repeat, warmup, results)
            for each in series:
                if not sized[each.name]:
                    continue
                for size in each.sizes(ctx):
                    description = each.grow(ctx, size)
                    self._analyze()
                    if description:
                        self.stdout.write(f"data: {description}")
                    for figure in sized[each.name]:
                        name = self._sized(figure.name, size, each.name)
                        self._figure(ctx, figure, name, floor, repeat, warmup, results, size=size)
        return results

    @staticmethod
    def _sized(name: str, size: int, what: str) -> str:
        return f"{name} [{size:,} {what}]"

    def _figure(self, ctx, figure, name, floor, repeat, warmup, results, size=None) -> None:
        try:
            measured = self._measure(figure.prepare(ctx), repeat, warmup, floor=self._floor_page)
        except Exception as exc:  # one broken figure must not hide the others  # noqa: BLE001
            self.stdout.write(f"{name:<{self.width}} error: {type(exc).__name__}: {exc}")
            results["figures"].append({"name": name, "error": str(exc)})
            return
        floor_ms = measured.get("floor_ms", floor["median_ms"])
        if figure.operations:
            measured["per_second"] = figure.operations / (measured["median_ms"] / 1000)
        self._print_row(name, measured, floor_ms)
        row = {"name": name, **measured, "ratio": measured["median_ms"] / floor_ms}
        if size is not None:
            row["size"] = size
        results["figures"].append(row)

    @staticmethod
    def _officer(ctx: BenchContext) -> User:
        """The programme officer of portal.benchmarks, with a TOTP device."""
        officer = ctx.data.get("portal.officer")
        if officer is None:
            raise CommandError("No dataset made the bench's programme officer (portal.officer).")
        return officer

    @staticmethod
    def _analyze() -> None:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # plan queries for the data just built

    @staticmethod
    def _measure(page, repeat: int, warmup: int, floor=None) -> dict:
        """Median and p95 of `repeat` timed GETs after `warmup` untimed ones. With `floor`, each
        timed GET is followed by one of the floor, and the ratio is taken against those: on a
        busy machine both see the same load."""
        for _ in range(warmup):
            page()
            if floor is not None:
                floor()
        queries = 0

        def count_query(execute, sql, params, many, context):
            nonlocal queries
            queries += 1
            return execute(sql, params, many, context)

        # Queries are counted on the same request made in process (gunicorn's are out of reach).
        with connection.execute_wrapper(count_query):
            response = getattr(page, "in_process", page)()
        content = getattr(response, "content", response)
        size_kb = len(content) / 1024 if isinstance(content, bytes) else 0.0
        timings, floor_timings = [], []
        for _ in range(repeat):
            started = time.perf_counter()
            done = page()
            elapsed = time.perf_counter() - started
            # A repetition that times itself leaves out its own set-up and clean-up.
            timings.append((done.seconds if isinstance(done, Timed) else elapsed) * 1000)
            if floor is not None:
                started = time.perf_counter()
                floor()
                floor_timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        result = {
            "median_ms": max(statistics.median(timings), 1e-6),
            "p95_ms": timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))],
            "min_ms": timings[0],
            "queries": queries,
            "kb": size_kb,
        }
        if floor_timings:
            result["floor_ms"] = max(statistics.median(floor_timings), 1e-6)
        return result

    def _print_row(self, name: str, result: dict, floor_ms: float) -> None:
        median, queries = result["median_ms"], result["queries"]
        ratio = median / floor_ms
        rate = f"  {result['per_second']:,.0f} per second" if result.get("per_second") else ""
        self.stdout.write(
            f"{name:<{self.width}} {median:>10.2f} {result['p95_ms']:>8.2f} {ratio:>8.1f} "
            f"{queries:>8} {result['kb']:>7.1f}{rate}"
        )

    # --- --http: a throwaway database and gunicorn ---------------------------------------------

    @contextmanager
    def _throwaway_database(self):
        """The configured database's test database, migrated, committed to, dropped at the end."""
        creation = connection.creation
        original = connection.settings_dict["NAME"]
        with tempfile.TemporaryDirectory(prefix="portal-bench-") as folder:
            # A name of its own: the test suite's database (test_<name>) may be in use.
            test = connection.settings_dict.setdefault("TEST", {})
            saved_test_name = test.get("NAME")
            if connection.vendor == "sqlite":
                test["NAME"] = str(Path(folder) / "bench.sqlite3")
            else:
                test["NAME"] = f"{original}_bench_http"
            self.stdout.write("http: creating and migrating a throwaway database")
            creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
            try:
                yield
            finally:
                creation.destroy_test_db(original, verbosity=0)
                test["NAME"] = saved_test_name

    @staticmethod
    def _database_url() -> str:
        db = connection.settings_dict
        if connection.vendor == "sqlite":
            return f"sqlite:///{db['NAME']}"
        if connection.vendor != "postgresql":
            raise CommandError("--http runs on PostgreSQL or SQLite.")
        credentials = quote(db["USER"] or "", safe="")
        if db.get("PASSWORD"):
            credentials += ":" + quote(db["PASSWORD"], safe="")
        host = db.get("HOST") or "localhost"
        port = f":{db['PORT']}" if db.get("PORT") else ""
        return f"postgres://{credentials}@{host}{port}/{db['NAME']}"

    @contextmanager
    def _server(self, ctx: BenchContext, http: bool):
        if not http:
            yield
            return
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "DATABASE_URL": self._database_url(),
            "DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1",
            "CONN_MAX_AGE": "60",  # as in production
            "PORTAL_STAFF_MFA_REQUIRED": "1",
        }
        config = Path(settings.BASE_DIR) / "gunicorn.conf.py"
        command = [
            sys.executable, "-m", "gunicorn", "-c", str(config), "--workers", "1",
            "--bind", f"127.0.0.1:{port}", "--access-logfile", os.devnull,
        ]  # fmt: skip
        with tempfile.TemporaryFile() as log:
            server = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
            )
            try:
                self._wait_until_serving(server, port, log)
                self.stdout.write(f"http: gunicorn (1 worker, DEBUG off) on 127.0.0.1:{port}")
                ctx.server = HttpServer("127.0.0.1", port)
                yield
            finally:
                ctx.server = None
                server.terminate()
                try:
                    server.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait()

    @staticmethod
    def _wait_until_serving(server: subprocess.Popen, port: int, log) -> None:
        import http.client

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if server.poll() is not None:
                log.seek(0)
                raise CommandError(
                    "gunicorn stopped:\n" + log.read().decode(errors="replace")[-3000:]
                )
            try:
                check = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                check.request("GET", "/healthz")
                if check.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise CommandError("gunicorn did not answer within 60 s.")
