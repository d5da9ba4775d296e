import pytest
from django.urls import reverse

from tests.factories import CapacityPoolFactory, CentreMembershipFactory
from tests.factories.allocations import enable_totp


@pytest.mark.django_db
def test_site_administrators_manage_the_catalogue_in_the_admin(admin_client, admin_user):
    enable_totp(admin_user)
    pool = CapacityPoolFactory()
    membership = CentreMembershipFactory(centre=pool.partition.centre)
    for model, obj in (
        ("centre", pool.partition.centre),
        ("partition", pool.partition),
        ("centremembership", membership),
        ("capacitypool", pool),
    ):
        assert admin_client.get(reverse(f"admin:allocations_{model}_changelist")).status_code == 200
        change = reverse(f"admin:allocations_{model}_change", args=[obj.pk])
        assert admin_client.get(change).status_code == 200
