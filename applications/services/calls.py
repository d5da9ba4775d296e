"""Setting up calls: the call itself, its cut-offs, offered partitions, capacity pools and criteria.

Programme officers do this in the portal. Each function checks what it must, is atomic and writes
the activity log. Errors are ValidationErrors keyed by field so forms can show them beside the
input.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.template.defaultfilters import pluralize
from django.utils.text import slugify

from allocations.models import CapacityPool, Partition
from allocations.services import pool_hours_set
from applications.deadlines import format_deadline, local_to_utc, monthly_schedule
from applications.models import Call, CallPartition, CutOff, CutOffPool, EvaluationCriterion
from applications.modes import AccessMode, defaults_for, request_limits_for
from portal.countries import PARTICIPATING_COUNTRIES
from portal.models import OrganisationKind
from portal.services.activity import activity_record


@dataclass(frozen=True)
class CriterionTemplate:
    name: str
    description: str
    weight: Decimal = Decimal("1")
    scale_min: int = 0
    scale_max: int = 5
    threshold: Decimal | None = Decimal("3")


# Created with every call; the officer may change or add to them.
DEFAULT_CRITERIA: tuple[CriterionTemplate, ...] = (
    CriterionTemplate(
        "Excellence",
        "Soundness and ambition of the AI work: the state of the art it builds on, the "
        "methodology, and why it needs a supercomputer.",
    ),
    CriterionTemplate(
        "Innovation and impact",
        "What the results make possible: products or services, market and societal impact in "
        "Europe, and how the results will be used.",
    ),
    CriterionTemplate(
        "Quality and efficiency of implementation",
        "Feasibility of the work plan, the team's competence, and a justified, efficient use of "
        "the requested hours, software and data.",
    ),
)

# Fields an officer edits on the call form; anything else goes through its own service.
CALL_FIELDS = (
    "title",
    "slug",
    "mode",
    "summary",
    "description",
    "opens_at",
    "closes_at",
    "display_timezone",
    "durations_months",
    "days_to_access",
    "eligible_countries",
    "eligible_organisation_kinds",
    "one_open_proposal_per_cutoff",
    "abstract_max_chars",
    "right_of_reply",
    "reply_word_limit",
    "reply_working_days",
    "reply_shows_scores",
)


def _unique_slug(title: str, *, exclude_pk: int | None = None) -> str:
    base = slugify(title)[:70] or "call"
    slug, n = base, 1
    while Call.objects.filter(slug=slug).exclude(pk=exclude_pk).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _check_call(call: Call) -> None:
    """Field and cross-field rules of a call; raises a ValidationError keyed by field."""
    errors: dict[str, list[str]] = {}
    if call.opens_at and call.closes_at and call.closes_at <= call.opens_at:
        errors.setdefault("closes_at", []).append(
            "The closing date must be after the opening date."
        )
    if not call.durations_months:
        errors.setdefault("durations_months", []).append("Allow at least one duration.")
    elif any(int(m) < 1 or int(m) > 36 for m in call.durations_months):
        errors.setdefault("durations_months", []).append("Durations are 1 to 36 months.")
    unknown = sorted(set(call.eligible_countries) - set(PARTICIPATING_COUNTRIES))
    if unknown:
        errors.setdefault("eligible_countries", []).append(
            f"Not an EU member or associated state: {', '.join(unknown)}."
        )
    elif not call.eligible_countries:
        errors.setdefault("eligible_countries", []).append("Choose at least one country.")
    kinds = set(call.eligible_organisation_kinds)
    if not kinds:
        errors.setdefault("eligible_organisation_kinds", []).append(
            "Choose at least one kind of organisation."
        )
    elif kinds - set(OrganisationKind.values):
        errors.setdefault("eligible_organisation_kinds", []).append("Unknown organisation kind.")
    if call.pk and call.opens_at and call.closes_at:
        outside = [c.at for c in call.cutoffs.all() if not (call.opens_at < c.at <= call.closes_at)]
        if outside:
            listed = "; ".join(format_deadline(at, call.display_timezone) for at in outside[:3])
            errors.setdefault("closes_at", []).append(
                f"{len(outside)} cut-off{pluralize(len(outside))} would fall outside the call's "
                f"dates ({listed}). "
                "Move or delete them first."
            )
    for name in ("reply_word_limit", "reply_working_days"):
        field = Call._meta.get_field(name)
        try:
            field.run_validators(getattr(call, name))
        except ValidationError as exc:
            errors.setdefault(name, []).extend(exc.messages)
    try:
        zoneinfo.ZoneInfo(call.display_timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        errors.setdefault("display_timezone", []).append("Unknown time zone.")
    if call.slug and Call.objects.filter(slug=call.slug).exclude(pk=call.pk).exists():
        errors.setdefault("slug", []).append("Another call already uses this web address.")
    if errors:
        raise ValidationError(errors)
    call.full_clean(exclude=["created_by", "slug"] if not call.slug else ["created_by"])


@transaction.atomic
def call_create(
    *,
    by,
    title: str,
    mode: str,
    summary: str,
    description: str,
    opens_at: datetime,
    closes_at: datetime,
    slug: str = "",
    display_timezone: str = "Europe/Brussels",
    durations_months: Iterable[int] | None = None,
    days_to_access: int | None = None,
    eligible_countries: Iterable[str] | None = None,
    eligible_organisation_kinds: Iterable[str] | None = None,
    one_open_proposal_per_cutoff: bool = True,
    abstract_max_chars: int = 2000,
    right_of_reply: bool = False,
    reply_word_limit: int = 500,
    reply_working_days: int = 5,
    reply_shows_scores: bool = False,
) -> Call:
    """A new, unpublished call. The mode's defaults fill whatever the officer left empty, and the
    default evaluation criteria are created with it."""
    defaults = defaults_for(mode)
    call = Call(
        title=title,
        slug=slug or _unique_slug(title),
        mode=AccessMode(mode),
        summary=summary,
        description=description,
        opens_at=opens_at,
        closes_at=closes_at,
        display_timezone=display_timezone,
        durations_months=sorted({int(m) for m in durations_months or defaults.durations_months}),
        days_to_access=days_to_access if days_to_access is not None else defaults.days_to_access,
        one_open_proposal_per_cutoff=one_open_proposal_per_cutoff,
        abstract_max_chars=abstract_max_chars,
        right_of_reply=right_of_reply,
        reply_word_limit=reply_word_limit,
        reply_working_days=reply_working_days,
        reply_shows_scores=reply_shows_scores,
        created_by=by,
    )
    if eligible_countries is not None:
        call.eligible_countries = sorted(set(eligible_countries))
    if eligible_organisation_kinds is not None:
        call.eligible_organisation_kinds = sorted(set(eligible_organisation_kinds))
    _check_call(call)
    call.save()
    EvaluationCriterion.objects.bulk_create(
        EvaluationCriterion(
            call=call,
            name=c.name,
            description=c.description,
            weight=c.weight,
            scale_min=c.scale_min,
            scale_max=c.scale_max,
            threshold=c.threshold,
            position=i,
        )
        for i, c in enumerate(DEFAULT_CRITERIA)
    )
    activity_record(actor=by, verb="call.create", target=call, data={"mode": call.mode})
    return call


@transaction.atomic
def call_update(*, call: Call, by, **changes: Any) -> Call:
    """Change the officer-editable fields of a call (see CALL_FIELDS)."""
    unknown = set(changes) - set(CALL_FIELDS)
    if unknown:
        raise TypeError(f"Not editable here: {', '.join(sorted(unknown))}")
    call = Call.objects.select_for_update().get(pk=call.pk)
    if "mode" in changes and changes["mode"] != call.mode and call.proposals.exists():
        raise ValidationError(
            {"mode": "Proposals already exist for this call; its access mode cannot change."}
        )
    before = {name: getattr(call, name) for name in changes}
    for name, value in changes.items():
        if name in ("durations_months",):
            value = sorted({int(m) for m in value})
        elif name in ("eligible_countries", "eligible_organisation_kinds"):
            value = sorted(set(value))
        elif name == "slug" and not value:
            value = _unique_slug(changes.get("title", call.title), exclude_pk=call.pk)
        setattr(call, name, value)
    _check_call(call)
    call.save()
    changed = sorted(name for name in changes if before[name] != getattr(call, name))
    if changed:
        activity_record(actor=by, verb="call.update", target=call, data={"fields": changed})
    return call


def call_publication_problems(*, call: Call) -> list[str]:
    """What stops a call from being published (empty: it can be)."""
    problems = []
    if not call.cutoffs.exists():
        problems.append("Add at least one cut-off.")
    if not call.offered_partitions.exists():
        problems.append("Offer at least one partition.")
    if not call.criteria.exists():
        problems.append("Define at least one evaluation criterion.")
    return problems


@transaction.atomic
def call_publish(*, call: Call, by) -> Call:
    call = Call.objects.select_for_update().get(pk=call.pk)
    if call.is_published:
        return call
    problems = call_publication_problems(call=call)
    if problems:
        raise ValidationError(" ".join(problems))
    call.is_published = True
    call.save(update_fields=["is_published", "updated_at"])
    activity_record(
        actor=by, verb="call.publish", target=call, from_state="unpublished", to_state="published"
    )
    return call


@transaction.atomic
def call_unpublish(*, call: Call, by) -> Call:
    call = Call.objects.select_for_update().get(pk=call.pk)
    if not call.is_published:
        return call
    call.is_published = False
    call.save(update_fields=["is_published", "updated_at"])
    activity_record(
        actor=by,
        verb="call.unpublish",
        target=call,
        from_state="published",
        to_state="unpublished",
    )
    return call


# --- Cut-offs -----------------------------------------------------------------------------------


def _pool_label(cutoff: CutOff, offered: CallPartition) -> str:
    local = format_deadline(cutoff.at, cutoff.call.display_timezone)
    # Read by centre staff on their centre page: the call's title, not its web address.
    return f"{cutoff.call.title} · {offered.partition} · cut-off {local}"[:200]


def _create_pool(cutoff: CutOff, offered: CallPartition, hours: Decimal) -> CutOffPool:
    pool = CapacityPool.objects.create(
        partition=offered.partition, label=_pool_label(cutoff, offered), hours=hours
    )
    return CutOffPool.objects.create(cutoff=cutoff, offered_partition=offered, pool=pool)


def _check_cutoff_time(call: Call, at: datetime, field: str = "at") -> None:
    if not (call.opens_at < at <= call.closes_at):
        tz = call.display_timezone
        raise ValidationError(
            {
                field: (
                    f"{format_deadline(at, tz)} is outside the call's window: it must be after "
                    f"the opening ({format_deadline(call.opens_at, tz)}) and no later than the "
                    f"closing ({format_deadline(call.closes_at, tz)})."
                )
            }
        )


@transaction.atomic
def cutoff_add(*, call: Call, at: datetime, by) -> CutOff:
    """One cut-off, with a capacity pool for each offered partition (its default hours)."""
    at = at.replace(microsecond=0)
    _check_cutoff_time(call, at)
    if call.cutoffs.filter(at=at).exists():
        when = format_deadline(at, call.display_timezone)
        raise ValidationError({"at": f"This call already has a cut-off at {when}."})
    cutoff = CutOff.objects.create(call=call, at=at)
    for offered in call.offered_partitions.select_related("partition__centre"):
        _create_pool(cutoff, offered, offered.pool_hours_per_cutoff)
    activity_record(actor=by, verb="cutoff.add", target=call, data={"at": at.isoformat()})
    return cutoff


@transaction.atomic
def cutoff_schedule_generate(
    *,
    call: Call,
    by,
    days_of_month: Iterable[int],
    clock: time,
    tz: str,
    starts_on: date | None = None,
    ends_on: date | None = None,
) -> list[CutOff]:
    """A continuous call's cut-offs: on the given days of each month at `clock` in `tz`, between
    the call's opening and closing (optionally narrowed to starts_on..ends_on). Existing cut-offs
    are kept; running it again adds nothing twice."""
    after, until = call.opens_at, call.closes_at
    if starts_on:
        after = max(after, local_to_utc(starts_on, time(0, 0), tz))
    if ends_on:
        until = min(until, local_to_utc(ends_on, time(23, 59, 59), tz))
    try:
        times = monthly_schedule(
            days_of_month=days_of_month, clock=clock, tz=tz, after=after, until=until
        )
    except ValueError as exc:
        raise ValidationError({"days_of_month": str(exc)}) from exc
    existing = set(call.cutoffs.values_list("at", flat=True))
    new_times = [at for at in times if at not in existing]
    if not times:
        raise ValidationError(
            {"days_of_month": "No cut-off falls between the opening and closing dates."}
        )
    offered = list(call.offered_partitions.select_related("partition__centre"))
    created = []
    for at in new_times:
        cutoff = CutOff.objects.create(call=call, at=at)
        for item in offered:
            _create_pool(cutoff, item, item.pool_hours_per_cutoff)
        created.append(cutoff)
    if created:
        activity_record(
            actor=by,
            verb="cutoff.generate_schedule",
            target=call,
            data={"count": len(created), "days": sorted(set(days_of_month)), "time": str(clock)},
        )
    return created


@transaction.atomic
def cutoff_delete(*, cutoff: CutOff, by) -> None:
    if cutoff.proposals.exists():
        raise ValidationError("Proposals are attached to this cut-off; it cannot be deleted.")
    call = cutoff.call
    pool_ids = list(cutoff.pools.values_list("pool_id", flat=True))
    at = cutoff.at
    cutoff.delete()  # cascades to the CutOffPool links
    try:
        CapacityPool.objects.filter(pk__in=pool_ids).delete()
    except ProtectedError as exc:
        raise ValidationError("Hours were already granted from this cut-off's pools.") from exc
    activity_record(actor=by, verb="cutoff.delete", target=call, data={"at": at.isoformat()})


# --- Offered partitions and capacity ------------------------------------------------------------


def _check_limits(min_hours: Decimal, max_hours: Decimal | None) -> None:
    errors = {}
    if min_hours is not None and min_hours < 0:
        errors["min_hours"] = "The minimum cannot be negative."
    if max_hours is not None and min_hours is not None and max_hours < min_hours:
        errors["max_hours"] = "The maximum must be at least the minimum."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def offered_partition_add(
    *,
    call: Call,
    partition: Partition,
    by,
    min_hours: Decimal | None = None,
    max_hours: Decimal | None = None,
    use_default_max: bool = True,
    pool_hours_per_cutoff: Decimal = Decimal("0"),
    sustained_tflops_per_accelerator: Decimal | None = None,
) -> CallPartition:
    """Offer a partition in a call. Request limits default to the mode's, in the partition's
    unit; every existing cut-off gets a pool of `pool_hours_per_cutoff`."""
    if not partition.is_active:
        raise ValidationError({"partition": "This partition is not in service."})
    if call.offered_partitions.filter(partition=partition).exists():
        raise ValidationError({"partition": "This partition is already offered in the call."})
    default_min, default_max = request_limits_for(call.mode, partition)
    if min_hours is None:
        min_hours = default_min
    if max_hours is None and use_default_max:
        max_hours = default_max
    _check_limits(min_hours, max_hours)
    if pool_hours_per_cutoff is None or pool_hours_per_cutoff < 0:
        raise ValidationError({"pool_hours_per_cutoff": "Pool hours cannot be negative."})
    offered = CallPartition.objects.create(
        call=call,
        partition=partition,
        min_hours=min_hours,
        max_hours=max_hours,
        pool_hours_per_cutoff=pool_hours_per_cutoff,
        sustained_tflops_per_accelerator=sustained_tflops_per_accelerator,
    )
    for cutoff in call.cutoffs.all():
        _create_pool(cutoff, offered, pool_hours_per_cutoff)
    activity_record(
        actor=by,
        verb="offered_partition.add",
        target=call,
        data={"partition": str(partition), "min": str(min_hours), "max": str(max_hours)},
    )
    return offered


@transaction.atomic
def offered_partition_update(
    *,
    offered_partition: CallPartition,
    by,
    min_hours: Decimal,
    max_hours: Decimal | None,
    pool_hours_per_cutoff: Decimal,
    sustained_tflops_per_accelerator: Decimal | None = None,
) -> CallPartition:
    """Change the request limits and the default pool for cut-offs added later."""
    _check_limits(min_hours, max_hours)
    if pool_hours_per_cutoff < 0:
        raise ValidationError({"pool_hours_per_cutoff": "Pool hours cannot be negative."})
    offered_partition.min_hours = min_hours
    offered_partition.max_hours = max_hours
    offered_partition.pool_hours_per_cutoff = pool_hours_per_cutoff
    offered_partition.sustained_tflops_per_accelerator = sustained_tflops_per_accelerator
    offered_partition.save()
    activity_record(
        actor=by,
        verb="offered_partition.update",
        target=offered_partition.call,
        data={
            "partition": str(offered_partition.partition),
            "min": str(min_hours),
            "max": str(max_hours),
        },
    )
    return offered_partition


@transaction.atomic
def offered_partition_remove(*, offered_partition: CallPartition, by) -> None:
    if offered_partition.requests.exists():
        raise ValidationError(
            "Proposals request hours on this partition; it cannot be removed from the call."
        )
    call = offered_partition.call
    pool_ids = list(offered_partition.cutoff_pools.values_list("pool_id", flat=True))
    label = str(offered_partition.partition)
    offered_partition.delete()
    try:
        CapacityPool.objects.filter(pk__in=pool_ids).delete()
    except ProtectedError as exc:
        raise ValidationError("Hours were already granted from this partition's pools.") from exc
    activity_record(
        actor=by, verb="offered_partition.remove", target=call, data={"partition": label}
    )


@transaction.atomic
def cutoff_pools_set(*, call: Call, by, hours: dict[tuple[int, int], Decimal]) -> list[CutOffPool]:
    """Set the pool hours of (cut-off id, offered partition id) pairs of one call."""
    cutoffs = {c.pk: c for c in call.cutoffs.all()}
    offered = {o.pk: o for o in call.offered_partitions.select_related("partition__centre")}
    links = {
        (link.cutoff_id, link.offered_partition_id): link
        for link in CutOffPool.objects.filter(cutoff__call=call).select_related("pool")
    }
    changed = []
    for (cutoff_id, offered_id), value in hours.items():
        if cutoff_id not in cutoffs or offered_id not in offered:
            raise ValidationError("A pool does not belong to this call.")
        if value is None or value < 0:
            raise ValidationError(
                {f"pool_{cutoff_id}_{offered_id}": "Pool hours must be zero or more."}
            )
        link = links.get((cutoff_id, offered_id))
        if link is None:
            changed.append(_create_pool(cutoffs[cutoff_id], offered[offered_id], value))
        elif link.pool.hours != value:
            # Under the pool's lock, like a reservation: never below the hours it holds.
            try:
                pool_hours_set(pool=link.pool, hours=value, by=by)
            except ValidationError as exc:
                raise ValidationError({f"pool_{cutoff_id}_{offered_id}": exc.messages}) from exc
            changed.append(link)
    if changed:
        activity_record(
            actor=by, verb="call.update_pools", target=call, data={"pools": len(changed)}
        )
    return changed


# --- Evaluation criteria ------------------------------------------------------------------------


def _check_criterion(criterion: EvaluationCriterion) -> None:
    errors = {}
    if criterion.scale_max <= criterion.scale_min:
        errors["scale_max"] = "The top of the scale must be above its bottom."
    if criterion.threshold is not None and not (
        criterion.scale_min <= criterion.threshold <= criterion.scale_max
    ):
        errors["threshold"] = (
            f"The threshold must lie on the scale ({criterion.scale_min}-{criterion.scale_max})."
        )
    if criterion.weight is not None and criterion.weight <= 0:
        errors["weight"] = "The weight must be positive."
    if errors:
        raise ValidationError(errors)
    criterion.full_clean()


@transaction.atomic
def criterion_add(
    *,
    call: Call,
    by,
    name: str,
    description: str = "",
    weight: Decimal = Decimal("1"),
    scale_min: int = 0,
    scale_max: int = 5,
    threshold: Decimal | None = None,
) -> EvaluationCriterion:
    position = (
        call.criteria.order_by("-position").values_list("position", flat=True).first() or 0
    ) + 1
    criterion = EvaluationCriterion(
        call=call,
        name=name,
        description=description,
        weight=weight,
        scale_min=scale_min,
        scale_max=scale_max,
        threshold=threshold,
        position=position,
    )
    _check_criterion(criterion)
    criterion.save()
    activity_record(actor=by, verb="criterion.add", target=call, data={"name": name})
    return criterion


@transaction.atomic
def criterion_update(*, criterion: EvaluationCriterion, by, **changes: Any) -> EvaluationCriterion:
    allowed = {"name", "description", "weight", "scale_min", "scale_max", "threshold"}
    if set(changes) - allowed:
        raise TypeError(f"Not editable: {', '.join(sorted(set(changes) - allowed))}")
    for name, value in changes.items():
        setattr(criterion, name, value)
    _check_criterion(criterion)
    criterion.save()
    activity_record(
        actor=by, verb="criterion.update", target=criterion.call, data={"name": criterion.name}
    )
    return criterion


@transaction.atomic
def criterion_delete(*, criterion: EvaluationCriterion, by) -> None:
    call = criterion.call
    if call.is_published and call.criteria.count() == 1:
        raise ValidationError("A published call keeps at least one criterion.")
    name = criterion.name
    criterion.delete()
    activity_record(actor=by, verb="criterion.delete", target=call, data={"name": name})
