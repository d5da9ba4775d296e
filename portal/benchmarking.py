"""The benchmark registry behind `manage.py bench`.

Each app may have a `benchmarks.py` that registers, with the decorators below:

- datasets: `@bench_dataset` functions that bulk-create synthetic rows at `ctx.count(n)` (n scaled
  by --scale), keep what figures need in `ctx.data`, and return a one-line description;
- figures: `@bench_figure("what is measured")` functions that prepare (not timed) and return a
  zero-argument callable doing one repetition, usually `ctx.page(url, user=...)`.

Datasets run in app order (portal, allocations, applications, reviews), so an app can use the
rows of the apps below it. Figures are timed against a floor (a trivial view) in the same run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.test import Client


class BenchFailure(Exception):
    """A figure could not be measured (a page answered with an error, say)."""


@dataclass(frozen=True)
class Dataset:
    name: str
    build: Callable[[BenchContext], str | None]


@dataclass(frozen=True)
class Figure:
    name: str
    prepare: Callable[[BenchContext], Callable[[], Any]]


@dataclass
class BenchContext:
    scale: float = 1.0
    data: dict[str, Any] = field(default_factory=dict)

    def count(self, n: int) -> int:
        """n rows at scale 1, at least one."""
        return max(1, round(n * self.scale))

    def page(self, url: str, *, user=None, expect: int = 200) -> Callable[[], Any]:
        """One GET of `url`, as `user` (anonymous if None), that must answer `expect`."""
        client = Client()
        if user is not None:
            client.force_login(user)

        def get():
            response = client.get(url)
            if response.status_code != expect:
                raise BenchFailure(f"GET {url} answered {response.status_code}, not {expect}")
            return response

        return get


_datasets: dict[str, Dataset] = {}
_figures: dict[str, Figure] = {}


def bench_dataset(build: Callable[[BenchContext], str | None]):
    name = f"{build.__module__}.{build.__name__}"
    _datasets[name] = Dataset(name=name, build=build)
    return build


def bench_figure(name: str):
    def register(prepare: Callable[[BenchContext], Callable[[], Any]]):
        if name in _figures and _figures[name].prepare is not prepare:
            raise ValueError(f"Two benchmark figures are named {name!r}.")
        _figures[name] = Figure(name=name, prepare=prepare)
        return prepare

    return register


def registered() -> tuple[list[Dataset], list[Figure]]:
    """Import every app's benchmarks module, then return what they registered, in app order."""
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("benchmarks")
    return list(_datasets.values()), list(_figures.values())
