"""Access modes and their defaults: one table, read by call set-up, validation and the workflow.

The defaults are copied onto a call when it is created; an officer can change them per call.
Figures follow the AI Factories access calls: Playground is a small fixed package, Fast Lane a
mid-size request decided first-come-first-served, Large Scale a peer-reviewed request above 50,000.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models


class AccessMode(models.TextChoices):
    PLAYGROUND = "playground", "Playground"
    FAST_LANE = "fast_lane", "Fast Lane"
    LARGE_SCALE = "large_scale", "Large Scale"


class EvaluationPath(models.TextChoices):
    FCFS = "fcfs", "First come, first served: eligibility and technical check"
    PEER_REVIEW = "peer_review", "Full peer review and panel"


@dataclass(frozen=True)
class ModeDefaults:
    code: str  # used in reference numbers, e.g. AIF-LS-2026-12-0042
    path: str
    min_hours: int
    max_hours: int | None
    durations_months: tuple[int, ...]
    days_to_access: int


MODE_DEFAULTS: dict[str, ModeDefaults] = {
    AccessMode.PLAYGROUND: ModeDefaults(
        code="PG", path=EvaluationPath.FCFS, min_hours=5_000, max_hours=5_000,
        durations_months=(1, 2, 3), days_to_access=2,
    ),
    AccessMode.FAST_LANE: ModeDefaults(
        code="FL", path=EvaluationPath.FCFS, min_hours=10_000, max_hours=50_000,
        durations_months=(1, 2, 3), days_to_access=4,
    ),
    AccessMode.LARGE_SCALE: ModeDefaults(
        code="LS", path=EvaluationPath.PEER_REVIEW, min_hours=50_001, max_hours=None,
        durations_months=(3, 6, 12), days_to_access=10,
    ),
}


def defaults_for(mode: str) -> ModeDefaults:
    return MODE_DEFAULTS[AccessMode(mode)]
