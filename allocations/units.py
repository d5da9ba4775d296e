"""Units of account, and the one place where hours are converted and training compute estimated.

A partition accounts in GPU-hours, node-hours or core-hours. On a partition with
`accelerators_per_node` accelerators and `cores_per_node` cores, one node-hour is that many
GPU-hours and that many core-hours. Node-hours are the pivot every conversion goes through.

Precision. Amounts of hours are Decimals in hundredths of an hour (`HOURS_PLACES`), as they are
stored. The arithmetic is exact (rational numbers) and rounds once, at the end:
- `convert()` and `from_node_hours()` give a figure in the target unit, rounded to hundredths
  (half up) unless the caller asks for other `places` / `rounding`, or `places=None`;
- `to_node_hours()` gives the pivot: exact, or `PRECISE_PLACES` places where the decimal does not
  terminate (1 core-hour on a 112-core node), so that converting back returns the input exactly.

The estimator uses the usual dense-transformer approximation: training a model of N parameters on
D tokens costs 6 * N * D FLOPs; divided by a sustained (not peak) throughput per accelerator it
gives accelerator-hours, rounded *up* to whole hours in the partition's unit (a request is whole
hours, and rounding down would under-ask).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import (
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_DOWN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    ROUND_UP,
    Decimal,
    InvalidOperation,
)
from fractions import Fraction
from numbers import Integral
from typing import Protocol

from django.db import models

HOURS_PLACES = 2
PRECISE_PLACES = 24
SECONDS_PER_HOUR = 3600
TERA = 10**12

Number = Decimal | int | str | float | Fraction


class Unit(models.TextChoices):
    GPU_HOURS = "gpu_hours", "GPU-hours"
    NODE_HOURS = "node_hours", "node-hours"
    CORE_HOURS = "core_hours", "core-hours"


class UnitError(ValueError):
    """A unit that does not apply to the partition, or an unknown unit."""


class EstimateError(ValueError):
    """Estimator inputs that cannot give a meaningful figure."""


class PartitionShape(Protocol):
    """What conversions need to know about a partition (a Partition instance fits)."""

    unit: str
    accelerators_per_node: int
    cores_per_node: int

    @property
    def is_gpu(self) -> bool: ...


def _label(shape: PartitionShape) -> str:
    name = " ".join(
        part for part in (getattr(shape, "system_name", ""), getattr(shape, "name", "")) if part
    )
    return name or "this partition"


def _unit(value: str | None, shape: PartitionShape) -> Unit:
    chosen = shape.unit if value is None else value
    try:
        return Unit(chosen)
    except ValueError:
        valid = ", ".join(Unit.values)
        raise UnitError(f"Unknown unit {chosen!r}; expected one of {valid}.") from None


def per_node(shape: PartitionShape, unit: str | None = None) -> int:
    """How many `unit`-hours one node-hour of the partition is (default: its own unit)."""
    chosen = _unit(unit, shape)
    if chosen == Unit.NODE_HOURS:
        return 1
    if chosen == Unit.GPU_HOURS:
        if not shape.is_gpu or (shape.accelerators_per_node or 0) < 1:
            raise UnitError(
                f"{_label(shape)} has no GPUs: GPU-hours do not apply to it. "
                "Use core-hours or node-hours."
            )
        return shape.accelerators_per_node
    if (shape.cores_per_node or 0) < 1:
        raise UnitError(f"Core-hours need the cores per node of {_label(shape)}.")
    return shape.cores_per_node


def applicable_units(shape: PartitionShape) -> list[Unit]:
    """The units an amount on this partition can be expressed in, its own unit first."""
    found = []
    for unit in Unit:
        try:
            per_node(shape, unit)
        except UnitError:
            continue
        found.append(unit)
    own = Unit(shape.unit)
    return [own] + [u for u in found if u != own]


def _exact(value: Number, what: str = "Hours") -> Fraction:
    """A finite number as an exact fraction. Floats go through their shortest repr ("0.1")."""
    if isinstance(value, bool):
        raise ValueError(f"{what} must be a number, not {value!r}.")
    if isinstance(value, float):
        value = repr(value)
    try:
        if isinstance(value, str):
            value = Decimal(value.strip().replace(",", "").replace("_", ""))
        if isinstance(value, Decimal) and not value.is_finite():
            raise ValueError
        return Fraction(value)
    except (ValueError, TypeError, InvalidOperation, ZeroDivisionError):
        raise ValueError(f"{what} must be a finite number, not {value!r}.") from None


_ROUNDINGS = {
    ROUND_CEILING,
    ROUND_FLOOR,
    ROUND_DOWN,
    ROUND_UP,
    ROUND_HALF_UP,
    ROUND_HALF_DOWN,
    ROUND_HALF_EVEN,
}


def _round_integer(value: Fraction, rounding: str) -> int:
    """`value` rounded to an integer with a `decimal` rounding mode, exactly."""
    if rounding not in _ROUNDINGS:
        raise ValueError(f"Unsupported rounding mode {rounding!r}.")
    floor = math.floor(value)
    rest = value - floor
    if rest == 0:
        return floor
    away = floor + 1 if value > 0 else floor  # the integer further from zero
    toward = floor if value > 0 else floor + 1
    if rounding == ROUND_CEILING:
        return floor + 1
    if rounding == ROUND_FLOOR:
        return floor
    if rounding == ROUND_DOWN:
        return toward
    if rounding == ROUND_UP:
        return away
    half = Fraction(1, 2)
    if rest != half:
        return floor + 1 if rest > half else floor
    if rounding == ROUND_HALF_UP:
        return away
    if rounding == ROUND_HALF_DOWN:
        return toward
    return floor if floor % 2 == 0 else floor + 1  # ROUND_HALF_EVEN


def _decimal(value: Fraction, places: int | None, rounding: str = ROUND_HALF_UP) -> Decimal:
    """`value` as a Decimal rounded once, exactly: to `places` with `rounding`, or (None) to
    `PRECISE_PLACES` half up, which is exact wherever the decimal terminates that soon. Trailing
    zeros beyond `places` are dropped, and no result is written with an exponent."""
    exponent = -(PRECISE_PLACES if places is None else places)
    scaled = _round_integer(value * 10**-exponent, ROUND_HALF_UP if places is None else rounding)
    digits = str(abs(scaled))
    if places is None:  # drop trailing zeros after the point: 2.500 -> 2.5, 3.000 -> 3
        while exponent < 0 and len(digits) > 1 and digits.endswith("0"):
            digits, exponent = digits[:-1], exponent + 1
        if digits == "0":
            exponent = 0
    # Built from its digits, not through a context: no precision limit, no rounding here.
    return Decimal((int(scaled < 0), tuple(int(c) for c in digits), exponent))


def convert_exact(
    shape: PartitionShape, hours: Number, from_unit: str | None = None, to_unit: str | None = None
) -> Fraction:
    """`hours` in `from_unit` expressed in `to_unit`, as an exact fraction (no rounding at all)."""
    ratio = Fraction(per_node(shape, to_unit), per_node(shape, from_unit))
    return _exact(hours) * ratio


def convert(
    shape: PartitionShape,
    hours: Number,
    from_unit: str | None = None,
    to_unit: str | None = None,
    *,
    places: int | None = HOURS_PLACES,
    rounding: str = ROUND_HALF_UP,
) -> Decimal:
    """`hours` in `from_unit` expressed in `to_unit` (either defaults to the partition's unit).

    Rounded once to `places` (hundredths by default) with `rounding`; `places=None` keeps the
    exact value (or `PRECISE_PLACES` places where the decimal does not terminate).
    """
    return _decimal(convert_exact(shape, hours, from_unit, to_unit), places, rounding)


def to_node_hours(shape: PartitionShape, hours: Number, unit: str | None = None) -> Decimal:
    """Hours in `unit` (default: the partition's own unit) as node-hours, at full precision."""
    return convert(shape, hours, unit, Unit.NODE_HOURS, places=None)


def from_node_hours(
    shape: PartitionShape,
    node_hours: Number,
    unit: str | None = None,
    *,
    places: int | None = HOURS_PLACES,
    rounding: str = ROUND_HALF_UP,
) -> Decimal:
    """Node-hours expressed in `unit` (default: the partition's own unit), rounded to `places`."""
    return convert(shape, node_hours, Unit.NODE_HOURS, unit, places=places, rounding=rounding)


def round_hours(hours: Number, *, rounding: str = ROUND_HALF_UP) -> Decimal:
    """An amount of hours as it is stored and shown: hundredths of an hour."""
    return _decimal(_exact(hours), HOURS_PLACES, rounding)


# --- Estimator ------------------------------------------------------------------------------------


def _whole(value: Number, what: str) -> int:
    if isinstance(value, Integral) and not isinstance(value, bool):
        number = int(value)
    else:
        try:
            exact = _exact(value, what)
        except ValueError as exc:
            raise EstimateError(str(exc)) from None
        if exact.denominator != 1:
            raise EstimateError(f"{what} must be a whole number, not {value}.")
        number = exact.numerator
    if number < 0:
        raise EstimateError(f"{what} cannot be negative.")
    return number


def training_flops(parameters: int, tokens: int) -> int:
    """Training compute of a dense model: 6 FLOPs per parameter per token (forward + backward)."""
    return 6 * _whole(parameters, "Parameters") * _whole(tokens, "Training tokens")


@dataclass(frozen=True)
class ComputeEstimate:
    """What the estimator shows beside a resource request."""

    parameters: int
    tokens: int
    flops: int
    sustained_tflops_per_accelerator: Decimal
    accelerator_hours: Decimal  # to hundredths, for reading
    node_hours: Decimal  # to hundredths, for reading
    hours_in_unit: Decimal  # whole hours in `unit`, rounded up: the figure to request
    unit: str

    @property
    def hours(self) -> Decimal:
        return self.hours_in_unit

    @property
    def unit_label(self) -> str:
        return Unit(self.unit).label

    @property
    def flops_scientific(self) -> tuple[str, int]:
        """(mantissa, exponent), e.g. ("4.20", 22): FLOP counts are read by order of magnitude."""
        if self.flops == 0:
            return ("0", 0)
        mantissa, exponent = f"{self.flops:.2e}".split("e")
        return (mantissa, int(exponent))

    @property
    def flops_display(self) -> str:
        """Plain-text form, e.g. "4.20 × 10^22" (pages set the exponent as a superscript)."""
        mantissa, exponent = self.flops_scientific
        return mantissa if self.flops == 0 else f"{mantissa} × 10^{exponent}"


def estimate_hours(
    shape: PartitionShape,
    *,
    parameters: int,
    tokens: int,
    sustained_tflops_per_accelerator: Number | None = None,
) -> ComputeEstimate:
    """Hours a training run of `parameters` x `tokens` needs on a GPU partition, in its own unit.

    The throughput defaults to the partition's `sustained_tflops_per_accelerator`.
    """
    if not shape.is_gpu or (shape.accelerators_per_node or 0) < 1:
        raise UnitError(
            f"The estimator sizes GPU training runs; {_label(shape)} has no GPUs. "
            "Request core-hours from your own measurements instead."
        )
    if sustained_tflops_per_accelerator is None:
        sustained_tflops_per_accelerator = getattr(shape, "sustained_tflops_per_accelerator", None)
        if not sustained_tflops_per_accelerator:
            raise EstimateError(
                f"No default throughput is set for {_label(shape)}: enter the sustained "
                "TFLOP/s per accelerator you expect."
            )
    try:
        throughput = _exact(sustained_tflops_per_accelerator, "Sustained throughput")
    except ValueError as exc:
        raise EstimateError(str(exc)) from None
    if throughput <= 0:
        raise EstimateError("Sustained throughput must be a positive number of TFLOP/s.")

    n = _whole(parameters, "Parameters")
    d = _whole(tokens, "Training tokens")
    flops = 6 * n * d
    accelerator_hours = Fraction(flops) / (throughput * TERA * SECONDS_PER_HOUR)
    node_hours = accelerator_hours / shape.accelerators_per_node
    in_unit = node_hours * per_node(shape)
    return ComputeEstimate(
        parameters=n,
        tokens=d,
        flops=flops,
        sustained_tflops_per_accelerator=_decimal(throughput, None),
        accelerator_hours=_decimal(accelerator_hours, HOURS_PLACES),
        node_hours=_decimal(node_hours, HOURS_PLACES),
        hours_in_unit=Decimal(math.ceil(in_unit)),
        unit=Unit(shape.unit).value,
    )


def hours_text(hours: Number, unit: str | None = None) -> str:
    """An amount as people read it in messages: "12,500 GPU-hours", "0.5 core-hours" (hundredths
    at most, no trailing zeros, thousands separated by commas)."""
    amount = round_hours(hours)
    text = f"{amount:,.2f}".rstrip("0").rstrip(".")
    return f"{text} {Unit(unit).label}" if unit else text
