"""Reserving hours of a capacity pool: room, idempotency per reference, release, the figures, and
parallel reservations that never over-reserve a pool (PostgreSQL row locks)."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections

from allocations.models import Allocation
from allocations.selectors import pool_figures
from allocations.services import pool_reserve, reservation_change_hours, reservation_release
from portal.models import Activity
from tests.factories import (
    CapacityPoolFactory,
    CentreMembershipFactory,
    OrganisationFactory,
    PartitionFactory,
    ProgrammeOfficerFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer():
    return ProgrammeOfficerFactory()


@pytest.fixture
def pool():
    partition = PartitionFactory(system_name="Booster", name="ACC")
    return CapacityPoolFactory(partition=partition, label="Spring cut-off", hours=Decimal(70_000))


def reserve(pool, hours, reference, by, holder=None):
    return pool_reserve(
        pool=pool, hours=Decimal(hours), holder=holder or OrganisationFactory(),
        reference=reference, by=by,
    )  # fmt: skip


def figures(pool):
    return pool_figures([pool])[pool.pk]


def test_a_reservation_holds_hours_and_is_logged(pool, officer):
    holder = OrganisationFactory()
    allocation = reserve(pool, 30_000, "AWD-1", officer, holder)
    assert allocation.status == Allocation.Status.RESERVED
    assert allocation.partition_id == pool.partition_id
    assert allocation.holder == holder and allocation.created_by == officer
    shown = figures(pool)
    assert (shown.capacity, shown.reserved, shown.active, shown.free) == (
        Decimal(70_000),
        Decimal(30_000),
        Decimal(0),
        Decimal(40_000),
    )
    entry = Activity.objects.get(verb="allocation.reserve")
    assert entry.actor == officer and entry.to_state == "reserved"
    assert entry.data["reference"] == "AWD-1" and entry.data["hours"] == "30000.00"


def test_more_than_is_free_is_refused_with_the_hours_left(pool, officer):
    reserve(pool, 65_000, "AWD-1", officer)
    with pytest.raises(ValidationError) as refused:
        reserve(pool, 5_000.5, "AWD-2", officer)
    assert refused.value.messages == [
        "Not enough hours left in Spring cut-off: 5,000 GPU-hours free, 5,000.5 asked."
    ]
    assert not Allocation.objects.filter(reference="AWD-2").exists()
    # What fits exactly still goes.
    reserve(pool, 5_000, "AWD-3", officer)
    assert figures(pool).free == 0


def test_the_same_reference_twice_counts_once(pool, officer):
    holder = OrganisationFactory()
    first = reserve(pool, 20_000, "AWD-1", officer, holder)
    again = reserve(pool, 20_000, "AWD-1", officer, holder)
    assert again.pk == first.pk
    assert Allocation.objects.count() == 1
    assert figures(pool).reserved == Decimal(20_000)
    assert Activity.objects.filter(verb="allocation.reserve").count() == 1
    # The same reference for something else is refused, not silently changed.
    with pytest.raises(ValidationError, match="AWD-1 already holds 20,000 GPU-hours"):
        reserve(pool, 25_000, "AWD-1", officer, holder)
    with pytest.raises(ValidationError, match="AWD-1 already holds"):
        reserve(CapacityPoolFactory(partition=pool.partition), 20_000, "AWD-1", officer, holder)
    assert figures(pool).reserved == Decimal(20_000)


def test_release_gives_the_hours_back_once(pool, officer):
    reserve(pool, 70_000, "AWD-1", officer)
    with pytest.raises(ValidationError, match="Not enough hours left"):
        reserve(pool, 1, "AWD-2", officer)
    released = reservation_release(reference="AWD-1", by=officer, reason="Award declined.")
    assert released.status == Allocation.Status.RELEASED and released.reason == "Award declined."
    assert figures(pool).free == Decimal(70_000) and figures(pool).reserved == 0
    reservation_release(reference="AWD-1", by=officer, reason="Award declined.")
    entries = Activity.objects.filter(verb="allocation.release")
    assert [(e.from_state, e.to_state) for e in entries] == [("reserved", "released")]
    assert entries[0].data["reason"] == "Award declined."
    reserve(pool, 70_000, "AWD-2", officer)  # the hours are free again


def test_a_released_reference_can_hold_hours_again_if_they_fit(pool, officer):
    holder = OrganisationFactory()
    reserve(pool, 40_000, "AWD-1", officer, holder)
    reservation_release(reference="AWD-1", by=officer, reason="Lapsed.")
    reserve(pool, 50_000, "AWD-2", officer)
    with pytest.raises(ValidationError, match="20,000 GPU-hours free, 40,000 asked"):
        reserve(pool, 40_000, "AWD-1", officer, holder)
    again = reserve(pool, 20_000, "AWD-1", officer, holder)
    assert again.status == Allocation.Status.RESERVED and again.hours == Decimal(20_000)
    assert figures(pool).free == 0


def test_release_needs_a_known_reference_and_a_reason(pool, officer):
    with pytest.raises(ValidationError, match="Nothing is reserved under reference AWD-9"):
        reservation_release(reference="AWD-9", by=officer, reason="Declined.")
    reserve(pool, 1_000, "AWD-1", officer)
    with pytest.raises(ValidationError, match="Say why"):
        reservation_release(reference="AWD-1", by=officer, reason="  ")
    assert Allocation.objects.get().status == Allocation.Status.RESERVED


def test_an_active_allocation_is_not_released_and_keeps_counting(pool, officer):
    allocation = reserve(pool, 10_000, "AWD-1", officer)
    # Activation comes with the hours ledger; here the state is set as that service will.
    Allocation.objects.filter(pk=allocation.pk).update(status=Allocation.Status.ACTIVE)
    with pytest.raises(ValidationError, match="AWD-1 is active: it cannot be released"):
        reservation_release(reference="AWD-1", by=officer, reason="Declined.")
    shown = figures(pool)
    assert (shown.reserved, shown.active, shown.free) == (0, Decimal(10_000), Decimal(60_000))


def test_changing_the_hours_of_a_reservation_stays_within_the_pool(pool, officer):
    reserve(pool, 30_000, "AWD-1", officer)
    reserve(pool, 30_000, "AWD-2", officer)
    reservation_change_hours(reference="AWD-1", hours=Decimal(40_000), by=officer)
    assert figures(pool).free == 0
    with pytest.raises(ValidationError, match="40,000 GPU-hours free, 40,000.01 asked"):
        reservation_change_hours(reference="AWD-1", hours=Decimal("40000.01"), by=officer)
    reservation_change_hours(reference="AWD-1", hours=Decimal(10_000), by=officer)
    assert figures(pool).free == Decimal(30_000)
    entry = Activity.objects.filter(verb="allocation.change_hours").first()
    assert entry.data["hours_before"] == "40000.00" and entry.data["hours"] == "10000.00"


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        (0, "positive number"),
        (-5, "positive number"),
        ("1.005", "at most two decimals"),
        ("1.001", "at most two decimals"),
        ("lots", "must be a number"),
        (float("nan"), "must be a number"),
    ],
)
def test_hours_must_be_a_positive_amount_in_hundredths(pool, officer, hours, message):
    with pytest.raises(ValidationError, match=message):
        pool_reserve(
            pool=pool, hours=hours, holder=OrganisationFactory(), reference="AWD-1", by=officer
        )
    assert not Allocation.objects.exists()


def test_only_the_programme_office_holds_pool_hours(pool, officer):
    for outsider in (
        UserFactory(),
        UserFactory(is_superuser=True, is_staff=True),  # a superuser is not a role
        CentreMembershipFactory(administrator=True, centre=pool.partition.centre).user,
    ):
        with pytest.raises(PermissionDenied):
            reserve(pool, 1_000, f"AWD-{outsider.pk}", outsider)
    assert not Allocation.objects.exists()
    reserve(pool, 1_000, "AWD-1", officer)
    with pytest.raises(PermissionDenied):
        reservation_release(reference="AWD-1", by=UserFactory(), reason="Declined.")
    with pytest.raises(PermissionDenied):
        reservation_change_hours(reference="AWD-1", hours=5, by=UserFactory())
    assert Allocation.objects.get().status == Allocation.Status.RESERVED
    # The portal itself (a scheduled job releasing a lapsed award) acts without a person.
    reservation_release(reference="AWD-1", by=None, reason="Not accepted in time.")


def test_figures_of_a_page_of_pools_take_one_query(django_assert_num_queries, officer):
    pools = [CapacityPoolFactory(hours=Decimal(1_000)) for _ in range(50)]
    for n, pool in enumerate(pools):
        reserve(pool, 10 + n, f"AWD-{n}", officer)
    reservation_release(reference="AWD-0", by=officer, reason="Declined.")
    with django_assert_num_queries(1):
        one = pool_figures(pools[:1])
    with django_assert_num_queries(1):
        many = pool_figures(pools)
    assert one[pools[0].pk].reserved == 0 and one[pools[0].pk].free == Decimal(1_000)
    assert many[pools[49].pk].reserved == Decimal(59)
    assert many[pools[49].pk].free == Decimal(941)
    with django_assert_num_queries(0):
        assert pool_figures([]) == {}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_reservations_never_over_reserve_the_pool(require_postgresql):
    """20 reservations of 10,000 hours at once on a pool of 70,000: exactly 7 fit."""
    officer = ProgrammeOfficerFactory()
    pool = CapacityPoolFactory(label="Spring cut-off", hours=Decimal(70_000))
    holders = [OrganisationFactory() for _ in range(20)]
    start = threading.Barrier(20)
    outcomes: dict[int, str] = {}

    def decide(n: int) -> None:
        try:
            start.wait(timeout=30)
            reserve(pool, 10_000, f"AWD-{n}", officer, holders[n])
            outcomes[n] = "reserved"
        except ValidationError as exc:
            outcomes[n] = exc.messages[0]
        finally:
            connections["default"].close()  # each thread had its own connection

    threads = [threading.Thread(target=decide, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert len(outcomes) == 20
    reserved = [n for n, outcome in outcomes.items() if outcome == "reserved"]
    refused = [outcome for outcome in outcomes.values() if outcome != "reserved"]
    assert len(reserved) == 7
    assert (
        refused == ["Not enough hours left in Spring cut-off: 0 GPU-hours free, 10,000 asked."] * 13
    )
    assert Allocation.objects.count() == 7
    shown = figures(pool)
    assert shown.reserved == Decimal(70_000) and shown.free == 0
    assert Activity.objects.filter(verb="allocation.reserve").count() == 7
    assert connection.vendor == "postgresql"


def test_a_pool_is_never_made_smaller_than_what_it_holds(pool, officer):
    from allocations.services import pool_hours_set

    reserve(pool, 50_000, "AWD-1", officer)
    reserve(pool, 10_000, "AWD-2", officer)
    reservation_release(reference="AWD-2", by=officer, reason="Declined.")
    with pytest.raises(ValidationError) as refused:
        pool_hours_set(pool=pool, hours=Decimal("49999.99"), by=officer)
    assert refused.value.messages == [
        "50,000 GPU-hours are held in Spring cut-off: it cannot have fewer hours."
    ]
    with pytest.raises(PermissionDenied):
        pool_hours_set(pool=pool, hours=Decimal(90_000), by=UserFactory(is_superuser=True))
    pool.refresh_from_db()
    assert pool.hours == Decimal(70_000)
    pool = pool_hours_set(pool=pool, hours=Decimal(50_000), by=officer)
    assert pool.hours == Decimal(50_000) and figures(pool).free == 0
    entry = Activity.objects.get(verb="pool.change_hours")
    assert entry.data == {"hours_before": "70000.00", "hours": "50000.00"}


def test_a_reservation_is_a_few_queries_whatever_the_pool_holds(
    pool, officer, django_assert_max_num_queries
):
    """The pool's row stays locked for the whole reservation: keep it short."""
    for n in range(30):
        reserve(pool, 100, f"AWD-{n}", officer)
    holder = OrganisationFactory()
    with django_assert_max_num_queries(9):  # 3 of them savepoints
        pool_reserve(pool=pool, hours=100, holder=holder, reference="AWD-last", by=officer)
