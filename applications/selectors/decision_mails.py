"""Reads of the decision mails held for a cut-off (see applications.services.decision_mails)."""

from __future__ import annotations

from django.db.models import (
    CharField,
    Count,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Concat

from applications.models import CutOff
from applications.services.decision_mails import CUTOFF_BATCH_PREFIX, cutoff_mail_batch
from portal.models import Notification


def cutoff_mails(*, cutoff: CutOff | int) -> QuerySet[Notification]:
    """Every mail of the cut-off's batch, whatever became of it (one mail's page shows it)."""
    return Notification.objects.filter(batch=cutoff_mail_batch(cutoff)).select_related(
        "edited_by", "released_by"
    )


def cutoff_mails_held(*, cutoff: CutOff | int) -> QuerySet[Notification]:
    """The mails waiting for release, by proposal reference (references follow submission
    order, the order decisions are taken in), each proposal's recipients together."""
    return (
        Notification.objects.filter(
            batch=cutoff_mail_batch(cutoff), status=Notification.Status.HELD
        )
        .select_related("edited_by")
        .order_by("about", "pk")
    )


def cutoff_mails_held_count(*, cutoff: CutOff | int) -> int:
    """How many of the cut-off's decision mails wait for release; read with the cut-off when it
    was loaded `with_held_mails_count` (the officer's cut-off page: one query fewer)."""
    kept = getattr(cutoff, "held_mails_count", None)
    if kept is not None:
        return kept
    return cutoff_mails_held(cutoff=cutoff).count()


def with_held_mails_count(cutoffs: QuerySet[CutOff]) -> QuerySet[CutOff]:
    """`cutoffs` annotated with `held_mails_count` (a subquery on the outbox's batch index)."""
    held = (
        Notification.objects.filter(
            batch=Concat(Value(CUTOFF_BATCH_PREFIX), Cast(OuterRef("pk"), CharField())),
            status=Notification.Status.HELD,
        )
        .order_by()
        .values("batch")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return cutoffs.annotate(
        held_mails_count=Coalesce(Subquery(held, output_field=IntegerField()), Value(0))
    )


def cutoff_mails_held_last_id(*, cutoff: CutOff | int) -> int | None:
    """The newest held mail's id: "release all" releases up to it, what the officer confirmed."""
    return (
        Notification.objects.filter(
            batch=cutoff_mail_batch(cutoff), status=Notification.Status.HELD
        )
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
