"""Access modes and their defaults: one table, read by call set-up, validation and the workflow.

The defaults are copied onto a call when it is created; an officer can change them per call.
Figures follow the AI Factories access calls: Playground is a small fixed package, Fast Lane a
mid-size request decided first-come-first-served, Large Scale a peer-reviewed request above 50,000.
Request limits are stated in GPU-hours for GPU partitions (converted to the partition's own unit
when a partition accounts in node-hours) and in core-hours for CPU partitions.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING

from django.db import models

from allocations import units

if TYPE_CHECKING:
    from allocations.models import Partition


class AccessMode(models.TextChoices):
    PLAYGROUND = "playground", "Playground"
    FAST_LANE = "fast_lane", "Fast Lane"
    LARGE_SCALE = "large_scale", "Large Scale"


class ClockStart(models.TextChoices):
    """When the time-to-access clock of a proposal starts (applications.time_to_access)."""

    SUBMISSION = "submission", "submission"
    CUTOFF = "cutoff", "the cut-off"


class EvaluationPath(models.TextChoices):
    FCFS = "fcfs", "First come, first served: eligibility and technical check"
    PEER_REVIEW = "peer_review", "Full peer review and panel"


@dataclass(frozen=True)
class ModeDefaults:
    code: str  # used in reference numbers, e.g. AIF-LS-2026-12-0042
    path: str
    min_hours: int  # GPU-hours
    max_hours: int | None  # GPU-hours; None: no upper limit
    durations_months: tuple[int, ...]
    # Time to access: the decision is promised within this many working days (weekends, public
    # holidays at the programme's seat and closure days excluded) of `clock_starts_at`.
    days_to_access: int
    clock_starts_at: str  # a ClockStart
    cpu_min_core_hours: int
    cpu_max_core_hours: int | None
    description: str  # what the mode means, for applicants (public call page)


MODE_DEFAULTS: dict[str, ModeDefaults] = {
    AccessMode.PLAYGROUND: ModeDefaults(
        code="PG",
        path=EvaluationPath.FCFS,
        min_hours=5_000,
        max_hours=5_000,
        durations_months=(1, 2, 3),
        days_to_access=2,
        clock_starts_at=ClockStart.SUBMISSION,
        cpu_min_core_hours=100_000,
        cpu_max_core_hours=100_000,
        description=(
            "A small fixed package of hours to try an AI Factory system: port your code, test "
            "scaling, prepare a larger request. Decided first come, first served after an "
            "eligibility and technical check."
        ),
    ),
    AccessMode.FAST_LANE: ModeDefaults(
        code="FL",
        path=EvaluationPath.FCFS,
        min_hours=10_000,
        max_hours=50_000,
        durations_months=(1, 2, 3),
        days_to_access=4,
        clock_starts_at=ClockStart.SUBMISSION,
        cpu_min_core_hours=200_000,
        cpu_max_core_hours=1_000_000,
        description=(
            "Mid-size access for a defined piece of work such as fine-tuning or a training run "
            "of a few weeks. Decided first come, first served after an eligibility and technical "
            "check; no peer review."
        ),
    ),
    AccessMode.LARGE_SCALE: ModeDefaults(
        code="LS",
        path=EvaluationPath.PEER_REVIEW,
        min_hours=50_001,
        max_hours=None,
        durations_months=(3, 6, 12),
        days_to_access=10,
        clock_starts_at=ClockStart.CUTOFF,
        cpu_min_core_hours=1_000_001,
        cpu_max_core_hours=None,
        description=(
            "Large allocations for training or adapting foundation models over several months. "
            "Proposals are checked for eligibility and feasibility, peer reviewed by independent "
            "experts and ranked by a panel within the capacity of each cut-off."
        ),
    ),
}


def clock_start_label(mode: str) -> str:
    """`submission` or `the cut-off`: what a mode's time to access is counted from."""
    return ClockStart(defaults_for(mode).clock_starts_at).label


def defaults_for(mode: str) -> ModeDefaults:
    return MODE_DEFAULTS[AccessMode(mode)]


def request_limits_for(mode: str, partition: Partition) -> tuple[Decimal, Decimal | None]:
    """The mode's default (min, max) request on `partition`, in the partition's own unit."""
    defaults = defaults_for(mode)
    if not partition.is_gpu:
        low, high = defaults.cpu_min_core_hours, defaults.cpu_max_core_hours
        source_unit = units.Unit.CORE_HOURS
    else:
        low, high = defaults.min_hours, defaults.max_hours
        source_unit = units.Unit.GPU_HOURS

    def in_unit(hours: int, rounding: str) -> Decimal:
        converted = units.convert(partition, hours, source_unit, partition.unit)
        return converted.to_integral_value(rounding=rounding)

    # Round inwards so a converted limit never admits a request the mode would refuse.
    return (
        in_unit(low, ROUND_CEILING),
        in_unit(high, ROUND_FLOOR) if high is not None else None,
    )
