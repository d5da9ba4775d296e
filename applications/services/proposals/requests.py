"""Resource requests: hours asked on the partitions a call offers."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from applications.models import CallPartition, Proposal, ResourceRequest
from applications.selectors.proposals import request_limit_problems
from portal.services.activity import activity_record
from portal.validators import model_field_errors

from ._common import _lock_for_edit
from .conflicts import EditConflict


def _to_decimal(value, field: str, errors: dict, label: str) -> Decimal | None:
    if value in (None, ""):
        errors[field] = [f"Enter the {label}."]
        return None
    try:
        number = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        errors[field] = [f"Enter the {label} as a number."]
        return None
    if not number.is_finite():
        errors[field] = [f"Enter the {label} as a number."]
        return None
    return number


@transaction.atomic
def resource_request_save(
    *,
    proposal: Proposal,
    by,
    offered_partition: CallPartition,
    hours,
    job_size,
    storage_tb,
    duration_months,
    justification: str,
    estimator_inputs: dict | None = None,
    resource_request: ResourceRequest | None = None,
    expected_version: int | None = None,
) -> ResourceRequest:
    """Create or change the request for hours on one partition offered by the call.

    The hours must lie within the call's limits for that partition and the duration must be
    one the call allows. The justification may stay empty in a draft (submission requires it).
    A change based on an older `expected_version` of the request raises EditConflict.
    """
    proposal = _lock_for_edit(proposal, by)
    if resource_request is not None:
        resource_request = _lock_request(proposal, resource_request, by, expected_version)
    call = proposal.call
    errors: dict[str, list[str]] = {}

    if offered_partition is None or offered_partition.call_id != call.pk:
        partition = getattr(offered_partition, "partition", None)
        name = str(partition) if partition is not None else ""
        errors["offered_partition"] = [
            f"{name or 'This partition'} is not offered by “{call}”; choose one of the "
            "partitions the call offers."
        ]
    hours_value = _to_decimal(hours, "hours", errors, "hours")
    if hours_value is not None and hours_value != hours_value.to_integral_value():
        errors["hours"] = ["Request whole hours."]
    elif hours_value is not None and hours_value < 1:
        errors["hours"] = ["Request at least 1 hour."]
    elif hours_value is not None and "offered_partition" not in errors:
        errors.update(
            request_limit_problems(offered_partition=offered_partition, hours=hours_value)
        )

    job = _to_decimal(job_size, "job_size", errors, "job size")
    if job is not None and (job < 1 or job != job.to_integral_value()):
        errors["job_size"] = ["The job size is a whole number of GPUs or nodes, at least 1."]
    elif job is not None and "offered_partition" not in errors:
        partition = offered_partition.partition
        capacity = (
            partition.nodes * partition.accelerators_per_node
            if partition.is_gpu
            else partition.nodes
        )
        if capacity and job > capacity:
            unit = "GPUs" if partition.is_gpu else "nodes"
            errors["job_size"] = [f"{partition} has {capacity:,} {unit}; a job cannot be larger."]

    storage = _to_decimal(
        0 if storage_tb in (None, "") else storage_tb, "storage_tb", errors, "storage"
    )
    if storage is not None and storage < 0:
        errors["storage_tb"] = ["Storage cannot be negative."]

    try:
        duration = int(duration_months)
    except (TypeError, ValueError):
        duration = None
    allowed = [int(d) for d in (call.durations_months or [])]
    if duration is None or (allowed and duration not in allowed):
        choices = ", ".join(str(d) for d in allowed)
        errors["duration_months"] = [f"Choose a duration this call allows: {choices} months."]

    if "offered_partition" not in errors:
        clash = proposal.requests.filter(offered_partition=offered_partition)
        if resource_request is not None:
            clash = clash.exclude(pk=resource_request.pk)
        if clash.exists():
            errors["offered_partition"] = [
                f"This proposal already requests hours on {offered_partition.partition}; "
                "change that request instead."
            ]
    if estimator_inputs is not None and not isinstance(estimator_inputs, dict):
        errors["estimator_inputs"] = ["The estimator inputs are not in the expected form."]
    limits = {"justification": justification or ""}
    if estimator_inputs is not None and "estimator_inputs" not in errors:
        limits["estimator_inputs"] = estimator_inputs
    errors.update(model_field_errors(ResourceRequest, limits))
    if errors:
        raise ValidationError(errors)

    request = resource_request or ResourceRequest(proposal=proposal)
    is_new = request.pk is None
    request.offered_partition = offered_partition
    request.hours = hours_value
    request.job_size = int(job)
    request.storage_tb = storage
    request.duration_months = duration
    request.justification = (justification or "").replace("\r\n", "\n").strip()
    if estimator_inputs is not None:
        request.estimator_inputs = estimator_inputs
    if not is_new:
        request.version += 1
    request.last_edited_by = by
    try:
        with transaction.atomic():
            request.save()
    except IntegrityError as exc:  # a teammate added the same partition a moment ago
        raise ValidationError(
            {"offered_partition": "This proposal already requests hours on this partition."}
        ) from exc
    activity_record(
        actor=by,
        verb="resource_request.add" if is_new else "resource_request.change",
        target=proposal,
        data={"partition": offered_partition.partition_id, "hours": str(hours_value)},
    )
    return request


def _lock_request(
    proposal: Proposal, resource_request: ResourceRequest, by, expected_version: int | None
) -> ResourceRequest:
    """The stored request, locked, after checking it is this proposal's and still the version
    the editor started from."""
    if resource_request.proposal_id != proposal.pk:
        raise PermissionDenied("This request belongs to another proposal.")
    stored = (
        ResourceRequest.objects.select_for_update(of=("self",))
        .select_related("offered_partition__partition", "last_edited_by")
        .filter(pk=resource_request.pk, proposal=proposal)
        .first()
    )
    if stored is None:
        raise ValidationError(
            "A teammate removed this request meanwhile; add it again if it is still needed.",
            code="gone",
        )
    EditConflict.check(
        stored,
        expected_version,
        subject=f"the request for {stored.offered_partition.partition}",
        viewer=by,
    )
    return stored


@transaction.atomic
def resource_request_delete(*, proposal: Proposal, by, resource_request: ResourceRequest) -> None:
    proposal = _lock_for_edit(proposal, by)
    deleted, _ = ResourceRequest.objects.filter(pk=resource_request.pk, proposal=proposal).delete()
    if deleted:
        activity_record(
            actor=by,
            verb="resource_request.remove",
            target=proposal,
            data={"partition": resource_request.offered_partition.partition_id},
        )
