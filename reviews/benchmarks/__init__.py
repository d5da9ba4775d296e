"""Benchmark figures of the evaluation (found by portal.benchmarking's autodiscovery): award
decisions per second, and the programme officer's workspace over a cut-off in mixed states."""

from . import decisions, workspace  # noqa: F401  (registers the figures)
