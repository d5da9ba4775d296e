"""The benchmark registry behind `manage.py bench`.

Each app may have a `benchmarks.py` that registers, with the decorators below:

- datasets: `@bench_dataset` functions that bulk-create synthetic rows at `ctx.count(n)` (n scaled
  by --scale), keep what figures need in `ctx.data`, and return a one-line description;
- series: `@bench_series("proposals")` functions `grow(ctx, n)` that bring one kind of row up to
  n in total; figures of a series are measured at each of its sizes (50, then 5,000 at scale 1),
  so that a list whose time grows with rows it does not show stands out;
- figures: `@bench_figure("what is measured")` functions that prepare (not timed) and return a
  zero-argument callable doing one repetition, usually `ctx.page(url, user=...)`.

Datasets run in app order (portal, allocations, applications, reviews), so an app can use the
rows of the apps below it. Figures are timed against a floor (a trivial page for a signed-in user)
in the same run, either in process with Django's test client or, with `--http`, over real
requests to gunicorn.
"""

from __future__ import annotations

import http.client
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.test import Client


class BenchFailure(Exception):
    """A figure could not be measured (a page answered with an error, say)."""


@dataclass(frozen=True)
class Dataset:
    name: str
    build: Callable[[BenchContext], str | None]


@dataclass(frozen=True)
class Series:
    name: str  # what grows, in the plural: "proposals"
    grow: Callable[[BenchContext, int], str | None]
    small: int
    large: int

    def sizes(self, ctx: BenchContext) -> list[int]:
        large = ctx.count(self.large)
        return sorted({min(self.small, large), large})


@dataclass(frozen=True)
class Figure:
    name: str
    prepare: Callable[[BenchContext], Callable[[], Any]]
    series: str = ""
    # Operations one repetition performs (awards, reservations): the bench prints them per
    # second beside the median.
    operations: int = 0


@dataclass(frozen=True)
class Timed:
    """What a repetition returns when it times itself, leaving out its set-up and clean-up
    (rows made on other connections before the work, removed after it)."""

    seconds: float


@dataclass
class HttpServer:
    """Where `--http` serves the portal."""

    host: str
    port: int


class PageRequest:
    """One GET of a page as one user, in process or over HTTP; `in_process()` is the same GET
    through the test client (to count its queries)."""

    def __init__(self, url: str, *, user, expect: int, server: HttpServer | None):
        self.url, self.expect, self.server = url, expect, server
        self.client = Client()
        if user is not None:
            self.client.force_login(user)  # in --http mode the session row is committed
        cookie = self.client.cookies.get(settings.SESSION_COOKIE_NAME)
        self.headers = {"Cookie": f"{cookie.key}={cookie.value}"} if cookie else {}

    def in_process(self):
        response = self.client.get(self.url)
        self._check(response.status_code)
        return response

    def over_http(self) -> bytes:
        connection = http.client.HTTPConnection(self.server.host, self.server.port, timeout=60)
        try:
            connection.request("GET", self.url, headers=self.headers)
            response = connection.getresponse()
            body = response.read()
        finally:
            connection.close()
        self._check(response.status)
        return body

    def __call__(self):
        return self.over_http() if self.server else self.in_process()

    def _check(self, status: int) -> None:
        if status != self.expect:
            raise BenchFailure(f"GET {self.url} answered {status}, not {self.expect}")


@dataclass
class BenchContext:
    scale: float = 1.0
    data: dict[str, Any] = field(default_factory=dict)
    server: HttpServer | None = None

    def count(self, n: int) -> int:
        """n rows at scale 1, at least one."""
        return max(1, round(n * self.scale))

    def page(self, url: str, *, user=None, expect: int = 200) -> PageRequest:
        """One GET of `url`, as `user` (anonymous if None), that must answer `expect`."""
        return PageRequest(url, user=user, expect=expect, server=self.server)


_datasets: dict[str, Dataset] = {}
_series: dict[str, Series] = {}
_figures: dict[str, Figure] = {}


def bench_dataset(build: Callable[[BenchContext], str | None]):
    name = f"{build.__module__}.{build.__name__}"
    _datasets[name] = Dataset(name=name, build=build)
    return build


def bench_series(name: str, *, small: int = 50, large: int = 5_000):
    """Register `grow(ctx, n)`, which brings the rows of the series up to n in total."""

    def register(grow: Callable[[BenchContext, int], str | None]):
        if name in _series and _series[name].grow is not grow:
            raise ValueError(f"Two benchmark series are named {name!r}.")
        _series[name] = Series(name=name, grow=grow, small=small, large=large)
        return grow

    return register


def bench_figure(name: str, *, series: str = "", operations: int = 0):
    """Register a figure; with `series`, it is measured at each size of that series; with
    `operations`, its rate per second is printed too."""

    def register(prepare: Callable[[BenchContext], Callable[[], Any]]):
        if name in _figures and _figures[name].prepare is not prepare:
            raise ValueError(f"Two benchmark figures are named {name!r}.")
        _figures[name] = Figure(name=name, prepare=prepare, series=series, operations=operations)
        return prepare

    return register


def registered() -> tuple[list[Dataset], list[Series], list[Figure]]:
    """Import every app's benchmarks module, then return what they registered, in app order."""
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("benchmarks")
    return list(_datasets.values()), list(_series.values()), list(_figures.values())
