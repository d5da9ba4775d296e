"""Reads of the centre catalogue and capacity. Views, other apps and the API read through here."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from portal import roles

from .models import CapacityPool, Centre, CentreMembership, Partition


def partitions_active() -> QuerySet[Partition]:
    """Partitions open to new requests, with their centre (for labels) in the same query."""
    return Partition.objects.filter(is_active=True).select_related("centre")


def centres_with_partitions() -> QuerySet[Centre]:
    """Every centre with its partitions, in two queries whatever the number of centres."""
    partitions = Partition.objects.order_by("system_name", "name")
    return Centre.objects.prefetch_related(Prefetch("partitions", queryset=partitions))


def centre_get(*, pk: int) -> Centre:
    """One centre with its partitions (raises Centre.DoesNotExist)."""
    return centres_with_partitions().get(pk=pk)


def partition_get(*, centre_pk: int, pk: int) -> Partition:
    """A partition, looked up within its centre (raises Partition.DoesNotExist)."""
    return Partition.objects.select_related("centre").get(centre_id=centre_pk, pk=pk)


def capacity_pools_of(*, centre: Centre) -> QuerySet[CapacityPool]:
    return (
        CapacityPool.objects.filter(partition__centre=centre)
        .select_related("partition__centre")
        # Partition first: the centre page groups the pools by partition.
        .order_by("partition__system_name", "partition__name", "partition_id", "-starts_on", "pk")
    )


def centres_administered_by(*, user) -> QuerySet[Centre]:
    ids = roles.centre_ids_with_role(user, CentreMembership.Role.CENTRE_ADMINISTRATOR)
    return Centre.objects.filter(pk__in=ids)


def centre_staff(*, centre: Centre) -> QuerySet[CentreMembership]:
    return centre.memberships.select_related("user").order_by("role", "user__email")
