"""Reads of the evaluation. An assessor's lists hold their own centres' assessments only."""

from __future__ import annotations

from django.db.models import QuerySet

from allocations.models import CentreMembership, Partition
from portal.roles import centre_ids_with_role
from reviews.models import TechnicalAssessment


def assessor_centre_ids(user) -> set[int]:
    return centre_ids_with_role(user, CentreMembership.Role.TECHNICAL_ASSESSOR)


def assessments_for_assessor(*, user) -> QuerySet[TechnicalAssessment]:
    """The assessments of the centres `user` assesses for (none for anyone else)."""
    return (
        TechnicalAssessment.objects.filter(centre_id__in=assessor_centre_ids(user))
        .select_related(
            "proposal__call",
            "centre",
            "request__offered_partition__partition__centre",
            "suggested_partition__centre",
        )
        .order_by("deadline", "pk")
    )


def assessor_workspace(*, user) -> dict[str, list[TechnicalAssessment]]:
    """Waiting (open and overdue, the nearest deadline first) and submitted (latest first)."""
    rows = list(assessments_for_assessor(user=user))
    waiting = [a for a in rows if a.status != TechnicalAssessment.Status.SUBMITTED]
    submitted = sorted(
        (a for a in rows if a.status == TechnicalAssessment.Status.SUBMITTED),
        key=lambda a: a.submitted_at,
        reverse=True,
    )
    return {"waiting": waiting, "submitted": submitted}


def assessment_for_assessor(*, user, pk: int) -> TechnicalAssessment:
    """One of the user's centres' assessments; DoesNotExist for any other (shown as a 404)."""
    return assessments_for_assessor(user=user).get(pk=pk)


def other_partitions(*, assessment: TechnicalAssessment) -> QuerySet[Partition]:
    """Partitions an assessor may suggest instead: active ones other than the requested one."""
    return (
        Partition.objects.filter(is_active=True)
        .exclude(pk=assessment.request.offered_partition.partition_id)
        .select_related("centre")
        .order_by("centre__short_name", "system_name", "name")
    )
