"""Reads of the decision mails held for a cut-off (see applications.services.decision_mails)."""

from __future__ import annotations

from django.db.models import QuerySet

from applications.models import CutOff
from applications.services.decision_mails import cutoff_mail_batch
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
    return cutoff_mails_held(cutoff=cutoff).count()


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
