from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from allocations.services import partition_update
from portal.models import Activity
from tests.factories import CentreMembershipFactory, PartitionFactory


@pytest.mark.django_db
def test_partition_update_saves_and_logs_what_changed():
    admin = CentreMembershipFactory(administrator=True)
    partition = PartitionFactory(centre=admin.centre, nodes=1120, is_active=True)
    changed = partition_update(
        partition=partition,
        by=admin.user,
        nodes=1000,
        is_active=False,
        sustained_tflops_per_accelerator=Decimal("380.0"),
    )
    partition.refresh_from_db()
    assert (partition.nodes, partition.is_active) == (1000, False)
    assert partition.sustained_tflops_per_accelerator == Decimal("380.0")
    assert changed == ["is_active", "nodes", "sustained_tflops_per_accelerator"]
    activity = Activity.objects.get(verb="partition.update")
    assert activity.actor == admin.user
    assert (activity.from_state, activity.to_state) == ("active", "inactive")
    assert activity.data["changes"]["nodes"] == ["1120", "1000"]


@pytest.mark.django_db
def test_partition_update_with_nothing_changed_writes_nothing():
    admin = CentreMembershipFactory(administrator=True)
    partition = PartitionFactory(centre=admin.centre, nodes=10, notes="Maintenance\nin June")
    changed = partition_update(
        partition=partition,
        by=admin.user,
        nodes=10,
        notes="Maintenance\nin June",
        sustained_tflops_per_accelerator=Decimal("400.00"),  # the same figure, written otherwise
    )
    assert changed == []
    assert not Activity.objects.filter(verb="partition.update").exists()


@pytest.mark.django_db
def test_partition_update_refuses_other_centres_and_inconsistent_facts():
    admin = CentreMembershipFactory(administrator=True)
    elsewhere = PartitionFactory(nodes=5)
    with pytest.raises(PermissionDenied):
        partition_update(partition=elsewhere, by=admin.user, nodes=6)
    own = PartitionFactory(centre=admin.centre)
    with pytest.raises(ValidationError) as excinfo:
        partition_update(partition=own, by=admin.user, accelerators_per_node=0)
    assert "at least one accelerator" in str(excinfo.value)
    with pytest.raises(ValueError, match="Not editable on a partition: unit"):
        partition_update(partition=own, by=admin.user, unit="node_hours")
    elsewhere.refresh_from_db()
    own.refresh_from_db()
    assert (elsewhere.nodes, own.accelerators_per_node) == (5, 4)
