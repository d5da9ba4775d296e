"""Unit conversions and the GPU-hours estimator (allocations.units), by property and by example.

No database: conversions only need a partition's shape, so unsaved Partition instances are used.
"""

from __future__ import annotations

import math
from decimal import (
    ROUND_CEILING,
    ROUND_FLOOR,
    ROUND_HALF_DOWN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Decimal,
)
from fractions import Fraction

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from allocations import units
from allocations.catalogue import PARTITIONS
from allocations.models import Partition
from allocations.units import EstimateError, Unit, UnitError

# Property tests are about correctness, not speed: no per-example deadline.
relaxed = settings(deadline=None, max_examples=150)


def shape(**facts) -> Partition:
    facts.setdefault("system_name", "Test")
    facts.setdefault("name", "GPU" if facts.get("kind") == "gpu" else "CPU")
    return Partition(**facts)


def catalogue_partition(system_name: str, name: str) -> Partition:
    facts = next(f for f in PARTITIONS if (f.system_name, f.name) == (system_name, name))
    return shape(
        system_name=facts.system_name,
        name=facts.name,
        kind=facts.kind,
        unit=facts.unit,
        accelerator_model=facts.accelerator_model,
        accelerators_per_node=facts.accelerators_per_node,
        devices_per_accelerator=facts.devices_per_accelerator,
        cores_per_node=facts.cores_per_node,
        nodes=facts.nodes,
        sustained_tflops_per_accelerator=facts.sustained_tflops,
    )


MN5_ACC = catalogue_partition("MareNostrum 5", "ACC")
MN5_GPP = catalogue_partition("MareNostrum 5", "GPP")
LUMI_G = catalogue_partition("LUMI", "LUMI-G")
KAROLINA = catalogue_partition("Karolina", "GPU")
MELUXINA = catalogue_partition("MeluXina", "GPU")
JUPITER = catalogue_partition("JUPITER", "Booster")

gpu_partitions = st.builds(
    lambda accelerators, cores, unit: shape(
        kind="gpu", accelerators_per_node=accelerators, cores_per_node=cores, unit=unit
    ),
    accelerators=st.integers(1, 16),
    cores=st.integers(1, 512),
    unit=st.sampled_from([Unit.GPU_HOURS, Unit.NODE_HOURS, Unit.CORE_HOURS]),
)
cpu_partitions = st.builds(
    lambda cores, unit: shape(kind="cpu", accelerators_per_node=0, cores_per_node=cores, unit=unit),
    cores=st.integers(1, 512),
    unit=st.sampled_from([Unit.NODE_HOURS, Unit.CORE_HOURS]),
)
partitions = st.one_of(gpu_partitions, cpu_partitions)
# Amounts as they are stored: hundredths of an hour, up to a billion hours.
amounts = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)


@st.composite
def partition_and_two_units(draw):
    partition = draw(partitions)
    applicable = units.applicable_units(partition)
    return partition, draw(st.sampled_from(applicable)), draw(st.sampled_from(applicable))


# --- Round trips ----------------------------------------------------------------------------------


@relaxed
@given(partition=partitions, hours=amounts, data=st.data())
def test_node_hours_and_back_give_the_input_exactly(partition, hours, data):
    unit = data.draw(st.sampled_from(units.applicable_units(partition)))
    node_hours = units.to_node_hours(partition, hours, unit)
    assert units.from_node_hours(partition, node_hours, unit) == hours


@relaxed
@given(partition=partitions, hours=amounts)
def test_round_trip_in_the_partitions_own_unit_by_default(partition, hours):
    assert partition.from_node_hours(partition.to_node_hours(hours)) == hours


@relaxed
@given(choice=partition_and_two_units(), hours=amounts)
def test_conversion_between_any_two_units_round_trips(choice, hours):
    partition, a, b = choice
    there = units.convert(partition, hours, a, b, places=None)
    assert units.convert(partition, there, b, a) == hours


@relaxed
@given(choice=partition_and_two_units(), hours=amounts)
def test_a_rounded_figure_is_the_exact_value_to_the_nearest_hundredth(choice, hours):
    partition, a, b = choice
    exact = units.convert_exact(partition, hours, a, b)
    figure = units.convert(partition, hours, a, b)
    assert figure.as_tuple().exponent == -units.HOURS_PLACES
    assert abs(Fraction(figure) - exact) <= Fraction(1, 200)


@relaxed
@given(choice=partition_and_two_units(), hours=amounts)
def test_converting_to_a_finer_unit_is_exact_and_comes_back_exactly(choice, hours):
    partition, a, b = choice
    assume(units.per_node(partition, b) % units.per_node(partition, a) == 0)
    there = units.convert(partition, hours, a, b)  # rounded to hundredths, yet nothing is lost
    assert Fraction(there) == units.convert_exact(partition, hours, a, b)
    assert units.convert(partition, there, b, a) == hours


@relaxed
@given(choice=partition_and_two_units(), low=amounts, high=amounts)
def test_conversion_preserves_order(choice, low, high):
    partition, a, b = choice
    low, high = sorted((low, high))
    assert units.convert(partition, low, a, b) <= units.convert(partition, high, a, b)


def test_conversions_on_real_partitions():
    # MareNostrum 5 ACC: 4 H100 and 80 cores per node.
    assert units.convert(MN5_ACC, 10, Unit.NODE_HOURS, Unit.GPU_HOURS) == 40
    assert units.convert(MN5_ACC, 10, Unit.NODE_HOURS, Unit.CORE_HOURS) == 800
    assert units.convert(MN5_ACC, 1000, Unit.GPU_HOURS, Unit.CORE_HOURS) == 20_000
    # LUMI-G bills GPU-hours per MI250X module: a node-hour is 4 GPU-hours, not 8 (GCDs).
    assert LUMI_G.to_node_hours(8) == 2
    assert LUMI_G.devices_per_node == 8
    # Karolina and MeluXina account in node-hours.
    assert KAROLINA.convert(8, Unit.GPU_HOURS) == 1
    assert units.convert(KAROLINA, 1, Unit.GPU_HOURS, places=None) == Decimal("0.125")
    assert units.convert(KAROLINA, 1, Unit.GPU_HOURS) == Decimal("0.13")  # half up
    assert MELUXINA.convert(5_000, Unit.GPU_HOURS) == 1_250
    # JUPITER: 4 x 72 Grace cores per node.
    assert JUPITER.convert(1, Unit.NODE_HOURS, Unit.CORE_HOURS) == 288


def test_pivot_keeps_a_non_terminating_quotient_precise_and_readable():
    node_hours = units.to_node_hours(MN5_GPP, 1)  # 1/112 of a node-hour
    assert str(node_hours) == "0.008928571428571428571429"
    assert MN5_GPP.from_node_hours(node_hours) == 1
    assert str(units.to_node_hours(MN5_ACC, 10)) == "2.5"
    assert str(units.to_node_hours(MN5_ACC, 12)) == "3"
    assert str(units.to_node_hours(MN5_ACC, 10**12)) == "250000000000"  # never 2.5E+11


def test_rounding_can_be_chosen_by_the_caller():
    # 50,000 GPU-hours on a 3-GPU node is 16,666.67 node-hours.
    three = shape(kind="gpu", accelerators_per_node=3, cores_per_node=48, unit=Unit.NODE_HOURS)
    assert units.convert(three, 50_000, Unit.GPU_HOURS, places=0, rounding=ROUND_FLOOR) == 16_666
    assert units.convert(three, 50_000, Unit.GPU_HOURS, places=0, rounding=ROUND_CEILING) == 16_667


def test_inputs_of_several_types_mean_the_same_amount():
    assert MN5_ACC.to_node_hours(10) == MN5_ACC.to_node_hours("10.00")
    assert MN5_ACC.to_node_hours(Decimal("0.1")) == MN5_ACC.to_node_hours(0.1)
    assert units.round_hours("1,234.565") == Decimal("1234.57")


def test_gpu_hours_on_a_cpu_partition_are_refused_with_a_clear_error():
    with pytest.raises(UnitError, match="MareNostrum 5 GPP has no GPUs: GPU-hours do not apply"):
        units.convert(MN5_GPP, 100, Unit.GPU_HOURS, Unit.CORE_HOURS)
    with pytest.raises(UnitError, match="no GPUs"):
        units.to_node_hours(MN5_GPP, 100, Unit.GPU_HOURS)
    assert units.applicable_units(MN5_GPP) == [Unit.CORE_HOURS, Unit.NODE_HOURS]


def test_unknown_units_and_non_numbers_are_refused():
    with pytest.raises(UnitError, match="Unknown unit 'gpu_days'"):
        units.convert(MN5_ACC, 1, "gpu_days", Unit.NODE_HOURS)
    for bad in ("NaN", "Infinity", "ten", None, True):
        with pytest.raises(ValueError, match="must be"):
            units.to_node_hours(MN5_ACC, bad)


# --- Estimator -----------------------------------------------------------------------------------

parameter_counts = st.integers(0, 10**13)  # up to 10 trillion parameters
token_counts = st.integers(0, 10**14)  # up to 100 trillion tokens
throughputs = st.decimals(min_value="0.1", max_value="5000", places=1)


def exact_hours(partition, n, d, tflops) -> Fraction:
    accelerator_hours = Fraction(6 * n * d) / (Fraction(tflops) * 10**12 * 3600)
    return (
        accelerator_hours
        / partition.accelerators_per_node
        * units.per_node(partition, partition.unit)
    )


@relaxed
@given(partition=gpu_partitions, n=parameter_counts, d=token_counts, tflops=throughputs)
def test_estimate_is_six_n_d_rounded_up_to_whole_hours_in_the_partitions_unit(
    partition, n, d, tflops
):
    estimate = units.estimate_hours(
        partition, parameters=n, tokens=d, sustained_tflops_per_accelerator=tflops
    )
    assert estimate.flops == 6 * n * d
    assert estimate.unit == partition.unit
    exact = exact_hours(partition, n, d, tflops)
    assert estimate.hours_in_unit == math.ceil(exact)
    assert estimate.hours_in_unit - 1 < exact <= estimate.hours_in_unit
    assert estimate.hours_in_unit == estimate.hours_in_unit.to_integral_value()


@relaxed
@given(
    partition=gpu_partitions,
    n=st.tuples(parameter_counts, parameter_counts).map(sorted),
    d=st.tuples(token_counts, token_counts).map(sorted),
    tflops=throughputs,
)
def test_estimate_grows_with_parameters_and_tokens(partition, n, d, tflops):
    def hours(parameters, tokens):
        return units.estimate_hours(
            partition,
            parameters=parameters,
            tokens=tokens,
            sustained_tflops_per_accelerator=tflops,
        ).hours_in_unit

    assert hours(n[0], d[0]) <= hours(n[1], d[0]) <= hours(n[1], d[1])
    assert hours(n[0], d[0]) <= hours(n[0], d[1]) <= hours(n[1], d[1])


@relaxed
@given(
    partition=gpu_partitions,
    n=parameter_counts,
    d=token_counts,
    tflops=st.tuples(throughputs, throughputs).map(sorted),
)
def test_estimate_shrinks_as_throughput_rises(partition, n, d, tflops):
    slow, fast = (
        units.estimate_hours(
            partition, parameters=n, tokens=d, sustained_tflops_per_accelerator=t
        ).hours_in_unit
        for t in tflops
    )
    assert slow >= fast


def test_estimate_for_a_7b_model_on_real_partitions():
    # 6 x 7e9 x 1e12 = 4.2e22 FLOPs.
    on_mn5 = units.estimate_hours(MN5_ACC, parameters=7 * 10**9, tokens=10**12)
    assert on_mn5.flops == 42 * 10**21
    assert on_mn5.flops_display == "4.20 × 10^22"
    assert on_mn5.sustained_tflops_per_accelerator == 400  # the partition's default
    assert on_mn5.accelerator_hours == Decimal("29166.67")
    assert on_mn5.node_hours == Decimal("7291.67")
    assert on_mn5.hours == 29_167  # rounded up, in GPU-hours
    assert on_mn5.unit_label == "GPU-hours"
    # MeluXina counts node-hours: 93,333.3 A100-hours at 125 TFLOP/s is 23,333.3 node-hours.
    on_meluxina = units.estimate_hours(MELUXINA, parameters=7 * 10**9, tokens=10**12)
    assert on_meluxina.hours == 23_334
    assert on_meluxina.unit_label == "node-hours"
    # An explicit throughput wins over the default.
    faster = units.estimate_hours(
        MN5_ACC, parameters=7 * 10**9, tokens=10**12, sustained_tflops_per_accelerator=500
    )
    assert faster.hours == 23_334


def test_an_exact_whole_number_of_hours_is_not_rounded_up_further():
    # 6 x 2.4e8 x 1e9 = 1.44e18 FLOPs = exactly one hour of one accelerator at 400 TFLOP/s.
    estimate = units.estimate_hours(
        MN5_ACC, parameters=240_000_000, tokens=10**9, sustained_tflops_per_accelerator=400
    )
    assert estimate.hours == 1


def test_estimator_refuses_cpu_partitions_and_bad_throughput_clearly():
    with pytest.raises(UnitError, match="MareNostrum 5 GPP has no GPUs"):
        units.estimate_hours(MN5_GPP, parameters=10**9, tokens=10**9)
    for bad in (0, -1, Decimal("-0.5")):
        with pytest.raises(EstimateError, match="must be a positive number of TFLOP/s"):
            units.estimate_hours(
                MN5_ACC, parameters=10**9, tokens=10**9, sustained_tflops_per_accelerator=bad
            )
    no_default = shape(kind="gpu", accelerators_per_node=4, cores_per_node=64, unit=Unit.GPU_HOURS)
    with pytest.raises(EstimateError, match="No default throughput is set"):
        units.estimate_hours(no_default, parameters=10**9, tokens=10**9)


def test_estimator_refuses_negative_or_fractional_counts():
    with pytest.raises(EstimateError, match="Parameters cannot be negative"):
        units.estimate_hours(MN5_ACC, parameters=-1, tokens=10**9)
    with pytest.raises(EstimateError, match="Training tokens must be a whole number"):
        units.estimate_hours(MN5_ACC, parameters=10**9, tokens=Decimal("1.5"))
    # Whole numbers typed as text or Decimal are fine.
    assert units.estimate_hours(MN5_ACC, parameters="1000000000", tokens=Decimal("1E9")).flops == (
        6 * 10**18
    )


@relaxed
@given(
    numerator=st.integers(-(10**9), 10**9),
    denominator=st.sampled_from([1, 2, 4, 5, 8, 20, 40, 100, 400, 1000]),
    rounding=st.sampled_from(
        [ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, ROUND_HALF_EVEN, ROUND_HALF_DOWN]
    ),
)
def test_rounding_agrees_with_decimal_where_decimal_is_exact(numerator, denominator, rounding):
    # Terminating values: Decimal's own quantize is the reference for every rounding mode.
    reference = (Decimal(numerator) / Decimal(denominator)).quantize(
        Decimal("0.1"), rounding=rounding
    )
    assert units._decimal(Fraction(numerator, denominator), 1, rounding) == reference
