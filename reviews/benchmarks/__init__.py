"""Benchmark figures of the evaluation (found by portal.benchmarking's autodiscovery): award
decisions per second, the programme officer's workspace over a cut-off in mixed states, and the
automatic reviewer assignment of a 500-proposal cut-off."""

from . import assignment, decisions, workspace  # noqa: F401  (registers the figures)
