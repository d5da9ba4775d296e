"""Writes on the centre catalogue. Each checks permission, is atomic and writes the activity log."""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_UP, Decimal
from typing import Any

import rules
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.models import Organisation
from portal.services.activity import activity_record

from . import states, units
from .catalogue import catalogue_seed
from .models import Allocation, CapacityPool, Partition
from .selectors import pool_held_hours

__all__ = [
    "PARTITION_EDITABLE_FIELDS",
    "catalogue_seed",
    "partition_update",
    "pool_hours_set",
    "pool_reserve",
    "reservation_change_hours",
    "reservation_release",
]

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


# --- Reservations of pool hours -----------------------------------------------------------------
#
# Every write that makes a pool hold more locks the pool's row first (SELECT ... FOR UPDATE on
# PostgreSQL), then sums what the pool holds and checks the new hours fit. Parallel decisions on
# one pool therefore take turns, and a pool never holds more than its hours.

REFERENCE_MAX_CHARS = Allocation._meta.get_field("reference").max_length
REASON_MAX_CHARS = Allocation._meta.get_field("reason").max_length


def _check_reserver(by, pool: CapacityPool) -> None:
    # None is the portal itself (a scheduled job); people need the permission. Asked of the
    # rule itself: Django's has_perm lets a superuser through, and a superuser is not a role.
    if by is not None and not rules.has_perm("allocations.reserve_capacitypool", by, pool):
        raise PermissionDenied("Only the programme office can hold hours of a capacity pool.")


def _clean_hours(hours) -> Decimal:
    try:
        amount = units.round_hours(hours, rounding=ROUND_DOWN)
        exact = amount == units.round_hours(hours, rounding=ROUND_UP)
    except ValueError:
        raise ValidationError({"hours": f"Hours must be a number, not {hours!r}."}) from None
    if not exact:  # rounding either way would reserve hours nobody asked for, or lose some
        raise ValidationError({"hours": "Hours are counted in hundredths: at most two decimals."})
    if amount <= 0:
        raise ValidationError({"hours": "Reserve a positive number of hours."})
    return amount


def _clean_reference(reference: str) -> str:
    reference = (reference or "").strip()
    if not reference:
        raise ValidationError({"reference": "A reservation needs a reference."})
    if len(reference) > REFERENCE_MAX_CHARS:
        raise ValidationError(
            {"reference": f"A reference has at most {REFERENCE_MAX_CHARS} characters."}
        )
    return reference


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the hours are released."})
    if len(reason) > REASON_MAX_CHARS:
        raise ValidationError({"reason": f"A reason has at most {REASON_MAX_CHARS} characters."})
    return reason


def _pool_locked(pool_id: int) -> CapacityPool:
    return CapacityPool.objects.select_for_update().select_related("partition").get(pk=pool_id)


def _check_room(pool: CapacityPool, hours: Decimal, *, returning: Decimal = Decimal(0)) -> None:
    """Raise unless `pool` (locked) has `hours` free, counting `returning` hours it holds now and
    would give back (the old hours of a reservation being changed)."""
    free = max(pool.hours - pool_held_hours(pool_id=pool.pk) + returning, Decimal(0))
    if hours > free:
        raise ValidationError(
            "Not enough hours left in %(pool)s: %(free)s free, %(asked)s asked.",
            code="not_enough_hours",
            params={
                "pool": pool.label,
                "free": units.hours_text(free, pool.partition.unit),
                "asked": units.hours_text(hours),
            },
        )


def _log(allocation: Allocation, verb: str, by, from_state: str, data: dict) -> None:
    activity_record(
        actor=by,
        verb=verb,
        target=allocation,
        from_state=from_state,
        to_state=allocation.status,
        data={
            "reference": allocation.reference,
            "pool": allocation.pool_id,
            "holder": allocation.holder_id,
            "hours": str(allocation.hours),
            **data,
        },
    )


def _apply(allocation: Allocation, action: str, by, *, reason: str = "") -> Allocation:
    """Move a locked allocation along the state table, and log it."""
    current = allocation.status
    target = states.target_of(action, current)
    if target is None:
        _, would_be = states.TRANSITIONS[action]
        raise ValidationError(
            "%(reference)s is %(status)s: it cannot be %(target)s.",
            code="invalid_transition",
            params={
                "reference": allocation.reference,
                "status": allocation.get_status_display().lower(),
                "target": Allocation.Status(would_be).label.lower(),
            },
        )
    allocation.status = target
    allocation.reason = reason
    allocation.status_changed_at = timezone.now()
    allocation.save(update_fields=["status", "reason", "status_changed_at", "hours"])
    _log(allocation, f"allocation.{action}", by, current, {"reason": reason} if reason else {})
    return allocation


def pool_reserve(
    *, pool: CapacityPool, hours, holder: Organisation, reference: str, by
) -> Allocation:
    """Hold `hours` of `pool` (in its partition's unit) for `holder` under `reference`.

    Idempotent per reference: reserving a reference that already holds the same hours of the
    same pool for the same holder returns that reservation and changes nothing. A released
    reference may be reserved again. Raises ValidationError when the pool has not enough hours
    free ("Not enough hours left in ..."), or when the reference already holds something else;
    PermissionDenied unless `by` may hold pool hours.
    """
    _check_reserver(by, pool)
    hours = _clean_hours(hours)
    reference = _clean_reference(reference)
    with transaction.atomic():
        locked = _pool_locked(pool.pk)
        existing = Allocation.objects.select_for_update().filter(reference=reference).first()
        if existing is not None:
            same = existing.pool_id == locked.pk and existing.holder_id == holder.pk
            if existing.status != Allocation.Status.RELEASED:
                if same and existing.hours == hours:
                    return existing  # a retry: nothing to do
                raise ValidationError(
                    "Reference %(reference)s already holds %(hours)s for another pool, holder or "
                    "amount; change or release that reservation instead.",
                    code="reference_in_use",
                    params={
                        "reference": reference,
                        "hours": units.hours_text(existing.hours, existing.partition.unit),
                    },
                )
            if not same:
                raise ValidationError(
                    "Reference %(reference)s was released from another pool or holder; "
                    "reserve under a new reference.",
                    code="reference_in_use",
                    params={"reference": reference},
                )
            _check_room(locked, hours)
            existing.hours = hours
            existing.pool, existing.partition = locked, locked.partition
            return _apply(existing, "reserve", by)
        _check_room(locked, hours)
        try:
            # A savepoint: the same reference reserved at this moment on another pool (which
            # holds another lock) fails here, and the error must leave the transaction usable.
            with transaction.atomic():
                allocation = Allocation.objects.create(
                    reference=reference,
                    pool=locked,
                    partition_id=locked.partition_id,
                    holder=holder,
                    hours=hours,
                    status=Allocation.Status.RESERVED,
                    created_by=by if by is not None and by.is_authenticated else None,
                )
        except IntegrityError:
            raise ValidationError(
                "Reference %(reference)s is already in use.",
                code="reference_in_use",
                params={"reference": reference},
            ) from None
        allocation.pool, allocation.partition = locked, locked.partition  # read, not queried
        _log(allocation, "allocation.reserve", by, "", {})
        return allocation


def _reservation_locked(reference: str) -> Allocation:
    """The allocation under `reference`, locked after its pool (always pool first, then the
    allocation, so that two writers never wait on each other in opposite order)."""
    pool_id = (
        Allocation.objects.filter(reference=reference).values_list("pool_id", flat=True).first()
    )
    if pool_id is None:
        raise ValidationError(
            "Nothing is reserved under reference %(reference)s.",
            code="unknown_reference",
            params={"reference": reference},
        )
    pool = _pool_locked(pool_id)
    allocation = Allocation.objects.select_for_update().get(reference=reference)
    allocation.pool, allocation.partition = pool, pool.partition
    return allocation


def reservation_release(*, reference: str, by, reason: str) -> Allocation:
    """Give the hours reserved under `reference` back to their pool (an award declined or not
    accepted in time). Releasing a released reference changes nothing."""
    reference = _clean_reference(reference)
    reason = _clean_reason(reason)
    with transaction.atomic():
        allocation = _reservation_locked(reference)
        _check_reserver(by, allocation.pool)
        if allocation.status == Allocation.Status.RELEASED:
            return allocation
        return _apply(allocation, "release", by, reason=reason)


def reservation_change_hours(*, reference: str, hours, by, reason: str = "") -> Allocation:
    """Hold another number of hours under a reservation that is not yet active (a decision
    corrected before its letters go). More hours must fit in the pool."""
    reference = _clean_reference(reference)
    hours = _clean_hours(hours)
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX_CHARS:
        raise ValidationError({"reason": f"A reason has at most {REASON_MAX_CHARS} characters."})
    with transaction.atomic():
        allocation = _reservation_locked(reference)
        _check_reserver(by, allocation.pool)
        if allocation.status != Allocation.Status.RESERVED:
            raise ValidationError(
                "%(reference)s is %(status)s: only a reservation's hours can be changed.",
                code="invalid_transition",
                params={
                    "reference": reference,
                    "status": allocation.get_status_display().lower(),
                },
            )
        if allocation.hours == hours:
            return allocation
        _check_room(allocation.pool, hours, returning=allocation.hours)
        before = allocation.hours
        allocation.hours = hours
        allocation.save(update_fields=["hours"])
        _log(
            allocation,
            "allocation.change_hours",
            by,
            allocation.status,
            {"hours_before": str(before), **({"reason": reason} if reason else {})},
        )
        return allocation


def pool_hours_set(*, pool: CapacityPool, hours, by) -> CapacityPool:
    """Give a pool another number of hours. Under the pool's lock, like a reservation: a pool is
    never made smaller than the hours it holds. Returns the pool (unchanged if `hours` is what it
    has)."""
    if by is not None and not rules.has_perm("allocations.change_capacitypool", by, pool):
        raise PermissionDenied("Only the programme office can change a pool's hours.")
    try:
        hours = units.round_hours(hours)
    except ValueError:
        raise ValidationError({"hours": f"Hours must be a number, not {hours!r}."}) from None
    if hours < 0:
        raise ValidationError({"hours": "Pool hours must be zero or more."})
    with transaction.atomic():
        locked = _pool_locked(pool.pk)
        if locked.hours == hours:
            return locked
        held = pool_held_hours(pool_id=locked.pk)
        if hours < held:
            raise ValidationError(
                "%(held)s are held in %(pool)s: it cannot have fewer hours.",
                code="below_held",
                params={
                    "held": units.hours_text(held, locked.partition.unit),
                    "pool": locked.label,
                },
            )
        before = locked.hours
        locked.hours = hours
        locked.save(update_fields=["hours"])
        activity_record(
            actor=by,
            verb="pool.change_hours",
            target=locked,
            data={"hours_before": str(before), "hours": str(hours)},
        )
        return locked
