"""Units of account and the one place where hours are converted and compute is estimated.

A partition accounts in GPU-hours, node-hours or core-hours. A node-hour on a GPU partition is
`accelerators_per_node` GPU-hours; on a CPU partition it is `cores_per_node` core-hours. The
training-compute estimate uses the usual dense-transformer approximation of 6 * N * D FLOPs
(N parameters, D training tokens) divided by a sustained throughput per accelerator.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Protocol

from django.db import models


class Unit(models.TextChoices):
    GPU_HOURS = "gpu_hours", "GPU-hours"
    NODE_HOURS = "node_hours", "node-hours"
    CORE_HOURS = "core_hours", "core-hours"


class PartitionShape(Protocol):
    """What a conversion needs to know about a partition (a Partition model instance fits)."""

    unit: str
    accelerators_per_node: int
    cores_per_node: int

    @property
    def is_gpu(self) -> bool: ...


def _per_node(shape: PartitionShape, unit: str) -> int:
    if unit == Unit.NODE_HOURS:
        return 1
    if unit == Unit.GPU_HOURS:
        if not shape.is_gpu or shape.accelerators_per_node < 1:
            raise ValueError("GPU-hours only apply to a partition with accelerators.")
        return shape.accelerators_per_node
    if unit == Unit.CORE_HOURS:
        if shape.cores_per_node < 1:
            raise ValueError("Core-hours need the partition's cores per node.")
        return shape.cores_per_node
    raise ValueError(f"Unknown unit {unit!r}.")


def to_node_hours(shape: PartitionShape, hours: Decimal | int | float, unit: str | None = None) -> Decimal:
    """Hours in `unit` (default: the partition's own unit) expressed as node-hours."""
    return Decimal(str(hours)) / _per_node(shape, unit or shape.unit)


def from_node_hours(shape: PartitionShape, node_hours: Decimal | int | float, unit: str | None = None) -> Decimal:
    """Node-hours expressed in `unit` (default: the partition's own unit)."""
    return Decimal(str(node_hours)) * _per_node(shape, unit or shape.unit)


def convert(shape: PartitionShape, hours: Decimal | int | float, from_unit: str, to_unit: str) -> Decimal:
    return from_node_hours(shape, to_node_hours(shape, hours, from_unit), to_unit)


def training_flops(parameters: int, tokens: int) -> int:
    """Approximate training compute of a dense model: 6 FLOPs per parameter per token."""
    if parameters < 0 or tokens < 0:
        raise ValueError("Parameters and tokens cannot be negative.")
    return 6 * parameters * tokens


@dataclass(frozen=True)
class ComputeEstimate:
    flops: int
    accelerator_hours: Decimal
    node_hours: Decimal
    hours_in_unit: Decimal
    unit: str

    @property
    def unit_label(self) -> str:
        return Unit(self.unit).label


def estimate_hours(
    shape: PartitionShape,
    *,
    parameters: int,
    tokens: int,
    sustained_tflops_per_accelerator: Decimal | float,
) -> ComputeEstimate:
    """Hours a training run of `parameters` x `tokens` needs on a GPU partition, in its unit.

    Rounded up to whole hours in the partition's unit: a request cannot ask for a fraction.
    """
    if not shape.is_gpu:
        raise ValueError("The estimator applies to GPU partitions.")
    throughput = Decimal(str(sustained_tflops_per_accelerator))
    if throughput <= 0:
        raise ValueError("Sustained throughput must be positive.")
    flops = training_flops(parameters, tokens)
    accelerator_seconds = Decimal(flops) / (throughput * Decimal(10) ** 12)
    accelerator_hours = accelerator_seconds / 3600
    node_hours = accelerator_hours / shape.accelerators_per_node
    in_unit = from_node_hours(shape, node_hours)
    return ComputeEstimate(
        flops=flops,
        accelerator_hours=accelerator_hours,
        node_hours=node_hours,
        hours_in_unit=in_unit.to_integral_value(rounding=ROUND_CEILING),
        unit=shape.unit,
    )
