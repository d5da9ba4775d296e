from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from portal.activity_actions import action_for
from portal.models import Activity


def activity_record(
    *,
    actor,
    verb: str,
    target: models.Model | None = None,
    from_state: str = "",
    to_state: str = "",
    data: dict[str, Any] | None = None,
) -> Activity:
    """Write one line of the activity log. Called by services inside their transaction.

    `verb` is a dotted action code of portal.activity_actions; the table, not the caller, decides
    who may read the entry (applicant timeline or staff audit log only)."""
    return Activity.objects.create(
        actor=actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
        verb=verb,
        audience=action_for(verb).audience,
        content_type=ContentType.objects.get_for_model(target) if target is not None else None,
        object_id=str(target.pk) if target is not None else "",
        object_repr=str(target)[:255] if target is not None else "",
        from_state=from_state or "",
        to_state=to_state or "",
        data=data or {},
    )
