"""The demo's reservations: past cut-offs' pools hold hours, and seeding twice changes nothing."""

from decimal import Decimal

import pytest

from allocations.demo import demo_reservations_seed
from allocations.models import Allocation
from allocations.selectors import pool_figures
from portal.models import Activity
from tests.allocations.test_capacity import programme  # noqa: F401
from tests.factories import OrganisationFactory, ProgrammeOfficerFactory

pytestmark = pytest.mark.django_db


def test_past_cut_offs_hold_hours_and_a_second_seed_changes_nothing(programme):  # noqa: F811
    officer = ProgrammeOfficerFactory()
    holders = [OrganisationFactory() for _ in range(4)]
    held = demo_reservations_seed(holders=holders, by=officer)
    past_pool = programme["fast_past"].pools.get().pool
    assert {a.pool_id for a in held} == {past_pool.pk}  # the only cut-off that has passed
    figures = pool_figures([past_pool])[past_pool.pk]
    assert figures.reserved == Decimal(139_998)  # 35 % of 400,000 in three equal parts
    assert figures.free == Decimal(260_002)
    entries = Activity.objects.filter(verb__startswith="allocation.").count()

    again = demo_reservations_seed(holders=holders, by=officer)
    assert [a.pk for a in again] == [a.pk for a in held]
    assert Allocation.objects.count() == 3
    assert Activity.objects.filter(verb__startswith="allocation.").count() == entries
    # Upcoming cut-offs hold nothing yet.
    upcoming = programme["fast_next"].pools.get().pool
    assert pool_figures([upcoming])[upcoming.pk].reserved == 0


def test_every_third_pool_gives_one_reservation_back_once():
    from datetime import timedelta

    from django.utils import timezone

    from allocations import pool_demand
    from allocations.pool_demand import PoolDemand
    from tests.factories import CapacityPoolFactory

    pools = [CapacityPoolFactory(hours=Decimal(3_000)) for _ in range(3)]
    past = timezone.now() - timedelta(days=10)

    def closed(pool_ids):
        return [
            PoolDemand(pool.pk, "demo:1", "Demo call", "Fast Lane", past + timedelta(hours=n),
                       "a past cut-off", Decimal(0), 0)
            for n, pool in enumerate(pools) if pool.pk in pool_ids
        ]  # fmt: skip

    pool_demand.pool_demand_provider_register(closed)
    try:
        officer = ProgrammeOfficerFactory()
        holders = [OrganisationFactory() for _ in range(3)]
        demo_reservations_seed(holders=holders, by=officer)
        demo_reservations_seed(holders=holders, by=officer)
    finally:
        pool_demand.pool_demand_provider_unregister(closed)
    figures = pool_figures(pools)
    # 35 %, 90 % and 100 % of each pool in three parts; the third pool's last part was declined.
    assert [figures[p.pk].reserved for p in pools] == [Decimal(1_050), Decimal(2_700), 2_000]
    released = Allocation.objects.get(status=Allocation.Status.RELEASED)
    assert released.reference == f"DEMO-{pools[2].pk}-3"
    assert Activity.objects.filter(verb="allocation.release").count() == 1
    assert Activity.objects.filter(verb="allocation.reserve").count() == 9
