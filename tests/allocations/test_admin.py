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


@pytest.mark.django_db
def test_allocations_are_read_only_and_a_pool_is_not_cut_below_what_it_holds(
    admin_client, admin_user
):
    from decimal import Decimal

    from allocations.services import pool_reserve
    from tests.factories import OrganisationFactory, ProgrammeOfficerFactory

    enable_totp(admin_user)
    pool = CapacityPoolFactory(hours=Decimal(1_000))
    allocation = pool_reserve(
        pool=pool, hours=600, holder=OrganisationFactory(), reference="AWD-1",
        by=ProgrammeOfficerFactory(),
    )  # fmt: skip
    assert admin_client.get(reverse("admin:allocations_allocation_changelist")).status_code == 200
    change = reverse("admin:allocations_allocation_change", args=[allocation.pk])
    page = admin_client.get(change).content.decode()
    assert "AWD-1" in page and 'name="_save"' not in page
    assert admin_client.post(change, {"hours": "1"}).status_code == 403
    assert admin_client.get(reverse("admin:allocations_allocation_add")).status_code == 403
    allocation.refresh_from_db()
    assert allocation.hours == Decimal(600)

    pool_change = reverse("admin:allocations_capacitypool_change", args=[pool.pk])
    form = {"partition": pool.partition_id, "label": pool.label, "hours": "500"}
    response = admin_client.post(pool_change, form)
    assert response.status_code == 200
    assert "600 GPU-hours are held in this pool: it cannot have fewer hours." in (
        response.content.decode()
    )
    pool.refresh_from_db()
    assert pool.hours == Decimal(1_000)
    admin_client.post(pool_change, {**form, "hours": "600"})
    pool.refresh_from_db()
    assert pool.hours == Decimal(600)
