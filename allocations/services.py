"""Writes on the centre catalogue. Each checks permission, is atomic and writes the activity log."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from portal.services.activity import activity_record

from .catalogue import catalogue_seed
from .models import Partition

__all__ = ["PARTITION_EDITABLE_FIELDS", "catalogue_seed", "partition_update"]

# What a centre administrator may change. The kind and the unit of account are not here: pools,
# requests and grants are counted in the unit, so changing it is a site administrator's job.
PARTITION_EDITABLE_FIELDS = (
    "accelerator_model",
    "accelerators_per_node",
    "devices_per_accelerator",
    "accelerator_memory_gb",
    "cores_per_node",
    "nodes",
    "sustained_tflops_per_accelerator",
    "notes",
    "is_active",
)


@transaction.atomic
def partition_update(*, partition: Partition, by, **facts: Any) -> list[str]:
    """Change a partition's hardware facts, estimator default, notes or active flag. Returns the
    names of the fields that changed (none: nothing was written, nothing logged).

    Raises PermissionDenied unless `by` administers the partition's centre, ValidationError if
    the facts do not make a consistent partition (nothing is saved then).
    """
    unknown = set(facts) - set(PARTITION_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable on a partition: {', '.join(sorted(unknown))}.")
    if not by.has_perm("allocations.change_partition", partition):
        raise PermissionDenied("Only the centre's administrators can change its partitions.")

    current = Partition.objects.select_for_update().select_related("centre").get(pk=partition.pk)
    changes = {
        name: [str(getattr(current, name)), str(value)]
        for name, value in facts.items()
        if getattr(current, name) != value
    }
    if not changes:
        return []
    for name in changes:
        setattr(current, name, facts[name])
    current.full_clean()
    current.save(update_fields=list(changes))
    if "is_active" in changes:
        from_state, to_state = (
            ("inactive", "active") if current.is_active else ("active", "inactive")
        )
    else:
        from_state = to_state = ""
    activity_record(
        actor=by,
        verb="partition.update",
        target=current,
        from_state=from_state,
        to_state=to_state,
        data={"changes": changes},
    )
    return sorted(changes)
