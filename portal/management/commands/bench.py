"""`manage.py bench`: time the portal's pages on a large synthetic dataset.

The data is built with bulk_create inside one transaction that is rolled back at the end, so the
database is left as it was. Figures are medians of N repetitions after a warm-up, printed as
ratios against a floor (the /healthz view) measured in the same run: ratios compare across
machines and runs, milliseconds alone do not.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test.utils import (
    override_settings,
    setup_test_environment,
    teardown_test_environment,
)
from django.urls import reverse

from portal.benchmarking import BenchContext, registered
from portal.celery import app as celery_app
from portal.models import User

FLOOR = "floor: /healthz (no database, no session)"


class Command(BaseCommand):
    help = "Time pages on a large synthetic dataset; print figures as ratios against a floor."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0, help="Dataset size factor.")
        parser.add_argument("--repeat", type=int, default=20, help="Timed repetitions.")
        parser.add_argument("--warmup", type=int, default=3, help="Untimed runs first.")
        parser.add_argument("--only", default="", help="Only figures whose name contains this.")
        parser.add_argument("--json", dest="json_path", default="", help="Also write JSON here.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even if the database already holds users (its data is left untouched, "
            "but it is part of what is measured).",
        )

    def handle(self, *args, scale, repeat, warmup, only, json_path, force, **options):
        if repeat < 1:
            raise CommandError("--repeat must be at least 1.")
        existing = User.objects.count()
        if existing and not force:
            raise CommandError(
                f"The database already holds {existing} users. The bench builds its own data: "
                "run it on an empty database (`make bench BENCH_DATABASE_URL=...`; without "
                "DATABASE_URL it uses var/bench.sqlite3) or pass --force."
            )
        datasets, figures = registered()
        figures = [figure for figure in figures if only.lower() in figure.name.lower()]
        own_environment = self._enter_test_environment()
        eager = celery_app.conf.task_always_eager
        celery_app.conf.task_always_eager = True  # nothing of the synthetic data reaches a broker
        try:
            with override_settings(DEBUG=False, PORTAL_STAFF_MFA_REQUIRED=False):
                results = self._run(datasets, figures, scale, repeat, warmup)
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

    width = len(FLOOR)

    def _run(self, datasets, figures, scale, repeat, warmup) -> dict:
        ctx = BenchContext(scale=scale)
        results: dict = {
            "database": connection.vendor,
            "scale": scale,
            "repeat": repeat,
            "warmup": warmup,
            "datasets": [],
            "figures": [],
        }
        with transaction.atomic():
            started = time.perf_counter()
            for dataset in datasets:
                description = dataset.build(ctx) or dataset.name
                results["datasets"].append(description)
                self.stdout.write(f"data: {description}")
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")  # plan queries for the data just built
            self.stdout.write(f"data built in {time.perf_counter() - started:.1f} s\n")

            floor = self._measure(ctx.page(reverse("healthz")), repeat, warmup)
            self.width = max(len(name) for name in [FLOOR, *(f.name for f in figures)])
            header = f"{'figure':<{self.width}} {'median ms':>10} {'x floor':>9} {'queries':>8}"
            self.stdout.write(header)
            self.stdout.write("-" * len(header))
            self._print_row(FLOOR, floor, floor["median_ms"])
            results["figures"].append({"name": FLOOR, **floor, "ratio": 1.0})
            for figure in figures:
                try:
                    figure_result = self._measure(figure.prepare(ctx), repeat, warmup)
                except Exception as exc:  # one broken figure must not hide the others  # noqa: BLE001
                    self.stdout.write(
                        f"{figure.name:<{self.width}} error: {type(exc).__name__}: {exc}"
                    )
                    results["figures"].append({"name": figure.name, "error": str(exc)})
                    continue
                ratio = figure_result["median_ms"] / floor["median_ms"]
                self._print_row(figure.name, figure_result, floor["median_ms"])
                results["figures"].append({"name": figure.name, **figure_result, "ratio": ratio})
            transaction.set_rollback(True)
        return results

    @staticmethod
    def _measure(run, repeat: int, warmup: int) -> dict:
        for _ in range(warmup):
            run()
        queries = 0

        def count_query(execute, sql, params, many, context):
            nonlocal queries
            queries += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count_query):
            run()
        timings = []
        for _ in range(repeat):
            started = time.perf_counter()
            run()
            timings.append((time.perf_counter() - started) * 1000)
        return {
            "median_ms": max(statistics.median(timings), 1e-6),
            "min_ms": min(timings),
            "queries": queries,
        }

    def _print_row(self, name: str, result: dict, floor_ms: float) -> None:
        median, queries = result["median_ms"], result["queries"]
        ratio = median / floor_ms
        self.stdout.write(f"{name:<{self.width}} {median:>10.2f} {ratio:>9.1f} {queries:>8}")
