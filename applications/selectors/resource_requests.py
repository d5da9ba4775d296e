"""Reads on a proposal's resource requests: each request as its summary card shows it, with
what stands out about it (hours outside the call's limits, a figure far from the estimate)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from allocations.units import ComputeEstimate, estimate_hours
from applications.models import CallPartition, Proposal, ResourceRequest
from applications.selectors.proposals import request_limit_problems


@dataclass(frozen=True)
class EstimatorInputs:
    """What the estimator beside a request works from, and where those figures came from."""

    parameters: int | None
    tokens: int | None
    tflops: Decimal | None
    from_request: bool  # copied into the request with "Use this figure", else the AI plan's

    @property
    def complete(self) -> bool:
        return bool(self.parameters and self.tokens and self.tflops)


@dataclass(frozen=True)
class RequestSummary:
    request: ResourceRequest
    estimator: EstimatorInputs
    estimate: ComputeEstimate | None
    limit_problems: list[str] = field(default_factory=list)

    @property
    def offered(self) -> CallPartition:
        return self.request.offered_partition

    @property
    def estimate_difference(self) -> Decimal | None:
        """Requested minus estimated hours, when the two differ (both are whole hours)."""
        if self.estimate is None or self.estimate.hours_in_unit == self.request.hours:
            return None
        return self.request.hours - self.estimate.hours_in_unit

    @property
    def estimate_gap(self) -> Decimal | None:
        """How far the request is from the estimate, in hours, whichever way."""
        difference = self.estimate_difference
        return None if difference is None else abs(difference)

    @property
    def estimate_gap_percent(self) -> int | None:
        """The gap as a share of the estimate, in whole per cent."""
        gap = self.estimate_gap
        if gap is None or not self.estimate.hours_in_unit:
            return None
        return round(gap * 100 / self.estimate.hours_in_unit)

    @property
    def flagged(self) -> bool:
        return bool(self.limit_problems) or self.estimate_difference is not None


def _whole(value) -> int | None:
    try:
        number = int(Decimal(str(value)))
    except (ArithmeticError, TypeError, ValueError):
        return None
    return number if number > 0 else None


def _throughput(value) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except (ArithmeticError, TypeError, ValueError):
        return None
    return number if number.is_finite() and number > 0 else None


def estimator_inputs_for(
    proposal: Proposal,
    offered: CallPartition | None,
    saved: dict | None = None,
) -> EstimatorInputs:
    """The estimator's starting figures for a request on `offered`: those last copied into the
    request, else the AI plan's N and D at the partition's default throughput. Without a
    partition there is no throughput to assume (nor a unit to answer in)."""
    saved = saved if isinstance(saved, dict) else {}
    from_request = bool(saved.get("parameters") and saved.get("tokens"))
    tflops = _throughput(saved.get("tflops")) if from_request else None
    if tflops is None and offered is not None:
        tflops = offered.estimator_tflops
    return EstimatorInputs(
        parameters=_whole(saved.get("parameters")) if from_request else proposal.parameters,
        tokens=_whole(saved.get("tokens")) if from_request else proposal.training_tokens,
        tflops=tflops,
        from_request=from_request,
    )


def _estimate(offered: CallPartition, inputs: EstimatorInputs) -> ComputeEstimate | None:
    if not offered.partition.is_gpu or not inputs.complete:
        return None
    try:
        return estimate_hours(
            offered.partition,
            parameters=inputs.parameters,
            tokens=inputs.tokens,
            sustained_tflops_per_accelerator=inputs.tflops,
        )
    except ValueError:  # a partition without accelerators, or figures the estimator refuses
        return None


def request_summaries(*, proposal: Proposal) -> list[RequestSummary]:
    """The proposal's requests in the order they were added, each with its estimate (on GPU
    partitions, from the same figures the estimator beside it starts from) and the call's
    limits it breaks. Limits can change after a request was saved, so they are read afresh."""
    requests = proposal.requests.select_related(
        "offered_partition__partition__centre", "offered_partition__call"
    ).order_by("id")
    summaries = []
    for request in requests:
        offered = request.offered_partition
        inputs = estimator_inputs_for(proposal, offered, request.estimator_inputs)
        problems = request_limit_problems(offered_partition=offered, hours=request.hours)
        summaries.append(
            RequestSummary(
                request=request,
                estimator=inputs,
                estimate=_estimate(offered, inputs),
                limit_problems=[message for messages in problems.values() for message in messages],
            )
        )
    return summaries
