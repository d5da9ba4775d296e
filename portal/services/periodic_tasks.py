"""The periodic jobs beat runs, written as django-celery-beat rows from settings.

One source of truth: settings.PORTAL_PERIODIC_TASKS. Syncing is idempotent; rows it created carry
a marker in their description so entries removed from the settings are removed here too, while
rows an administrator created by hand are left alone. An administrator may disable a job: a sync
keeps that choice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

MANAGED_MARKER = "[from settings.PORTAL_PERIODIC_TASKS]"


@dataclass(frozen=True)
class PeriodicSyncResult:
    created: int
    updated: int
    removed: int


def _schedule_fields(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    if "every" in spec:
        interval, _ = IntervalSchedule.objects.get_or_create(
            every=int(spec["every"]), period=IntervalSchedule.SECONDS
        )
        return {"interval": interval, "crontab": None}
    if "crontab" in spec:
        fields = {"minute": "*", "hour": "*", "day_of_week": "*", "day_of_month": "*"}
        fields |= {"month_of_year": "*", **spec["crontab"]}
        crontab, _ = CrontabSchedule.objects.get_or_create(timezone="UTC", **fields)
        return {"interval": None, "crontab": crontab}
    raise ValueError(f"Periodic task {name!r} needs 'every' (seconds) or 'crontab'.")


@transaction.atomic
def periodic_tasks_sync(*, specs: dict[str, dict[str, Any]] | None = None) -> PeriodicSyncResult:
    specs = settings.PORTAL_PERIODIC_TASKS if specs is None else specs
    created = updated = 0
    for name, spec in specs.items():
        defaults = {
            "task": spec["task"],
            "kwargs": json.dumps(spec.get("kwargs", {})),
            "description": f"{spec.get('description', '')} {MANAGED_MARKER}".strip(),
            **_schedule_fields(name, spec),
        }
        task = PeriodicTask.objects.filter(name=name).first()
        if task is None:
            PeriodicTask.objects.create(name=name, enabled=True, **defaults)
            created += 1
            continue
        for field, value in defaults.items():
            setattr(task, field, value)
        task.save()
        updated += 1
    stale = PeriodicTask.objects.filter(description__endswith=MANAGED_MARKER).exclude(
        name__in=list(specs)
    )
    removed = len(stale)
    stale.delete()
    return PeriodicSyncResult(created=created, updated=updated, removed=removed)
