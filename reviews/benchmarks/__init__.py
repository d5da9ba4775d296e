"""Benchmark figures of the evaluation (found by portal.benchmarking's autodiscovery): award
decisions per second, the programme officer's workspace over a cut-off in mixed states, the
automatic reviewer assignment of a 500-proposal cut-off, and the panel ranking of 500 proposals."""

from . import assignment, decisions, ranking, workspace  # noqa: F401  (registers the figures)
