"""What a reviewer's page can say today. Peer review (assignments, conflicts, scores) comes with
the second part of the evaluation; until then the page tells the reviewer what will appear and
when, from the data that exists: the published peer-reviewed calls and their next cut-offs."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Min, Q, QuerySet
from django.utils import timezone

from applications.models import Call
from applications.modes import AccessMode, EvaluationPath, defaults_for


def peer_reviewed_modes() -> list[str]:
    return [m for m in AccessMode.values if defaults_for(m).path == EvaluationPath.PEER_REVIEW]


def peer_reviewed_calls(*, now: datetime | None = None) -> QuerySet[Call]:
    """Published calls whose proposals go to peer review and that still take submissions, with
    their next cut-off (after which reviews can first be assigned), soonest first."""
    now = now or timezone.now()
    return (
        Call.objects.filter(is_published=True, mode__in=peer_reviewed_modes(), closes_at__gt=now)
        .annotate(next_cutoff_at=Min("cutoffs__at", filter=Q(cutoffs__at__gt=now)))
        .order_by("next_cutoff_at", "title")
    )
