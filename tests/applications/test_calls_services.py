"""Setting up a call: defaults from the mode, cut-offs in the window, partitions with pools."""

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from allocations.models import CapacityPool
from allocations.units import Unit
from applications.models import CutOffPool
from applications.modes import AccessMode, request_limits_for
from applications.services import calls as services
from portal.models import Activity
from tests.factories import (
    CallFactory,
    CallPartitionFactory,
    CutOffFactory,
    PartitionFactory,
    ProgrammeOfficerFactory,
    ProposalFactory,
)

pytestmark = pytest.mark.django_db

OPENS = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
CLOSES = datetime(2027, 6, 30, 21, 59, tzinfo=UTC)


def _create(officer, **overrides):
    data = {
        "by": officer,
        "title": "AI Factories Large Scale 2027",
        "mode": AccessMode.LARGE_SCALE,
        "summary": "Large allocations for foundation models.",
        "description": "Peer-reviewed access for startups and SMEs.",
        "opens_at": OPENS,
        "closes_at": CLOSES,
    }
    return services.call_create(**{**data, **overrides})


def test_a_new_call_copies_the_mode_defaults_and_gets_the_default_criteria():
    officer = ProgrammeOfficerFactory()
    call = _create(officer)
    assert call.slug == "ai-factories-large-scale-2027"
    assert call.durations_months == [3, 6, 12]
    assert call.days_to_access == 10
    assert not call.is_published
    assert [c.name for c in call.criteria.all()] == [
        "Excellence",
        "Innovation and impact",
        "Quality and efficiency of implementation",
    ]
    assert all(c.scale_max == 5 and c.threshold == 3 for c in call.criteria.all())
    assert Activity.objects.filter(verb="call.create", object_id=str(call.pk)).exists()


def test_officer_values_win_over_the_mode_defaults():
    call = _create(ProgrammeOfficerFactory(), durations_months=[6, 3], days_to_access=5)
    assert call.durations_months == [3, 6]
    assert call.days_to_access == 5


def test_closing_before_opening_is_refused_on_the_closing_date():
    with pytest.raises(ValidationError) as exc:
        _create(ProgrammeOfficerFactory(), closes_at=OPENS - timedelta(days=1))
    assert "closes_at" in exc.value.message_dict


def test_request_limits_follow_the_partition_unit():
    gpu = PartitionFactory(unit=Unit.GPU_HOURS, accelerators_per_node=4)
    nodes = PartitionFactory(unit=Unit.NODE_HOURS, accelerators_per_node=4)
    cpu = PartitionFactory(cpu=True)
    assert request_limits_for(AccessMode.FAST_LANE, gpu) == (Decimal(10_000), Decimal(50_000))
    assert request_limits_for(AccessMode.FAST_LANE, nodes) == (Decimal(2_500), Decimal(12_500))
    assert request_limits_for(AccessMode.LARGE_SCALE, gpu) == (Decimal(50_001), None)
    low, high = request_limits_for(AccessMode.PLAYGROUND, cpu)
    assert low == high  # a fixed package


def test_offering_a_partition_uses_the_mode_limits_and_pools_each_cutoff():
    officer = ProgrammeOfficerFactory()
    call = CallFactory(mode=AccessMode.FAST_LANE)
    first = CutOffFactory(call=call, at=timezone.now() + timedelta(days=10))
    second = CutOffFactory(call=call, at=timezone.now() + timedelta(days=20))
    partition = PartitionFactory(unit=Unit.NODE_HOURS)
    offered = services.offered_partition_add(
        call=call, partition=partition, by=officer, pool_hours_per_cutoff=Decimal(40_000)
    )
    assert (offered.min_hours, offered.max_hours) == (Decimal(2_500), Decimal(12_500))
    pools = CutOffPool.objects.filter(offered_partition=offered).select_related("pool")
    assert {p.cutoff_id for p in pools} == {first.pk, second.pk}
    assert all(p.pool.hours == 40_000 and p.pool.partition_id == partition.pk for p in pools)
    # A cut-off added later gets a pool too.
    third = services.cutoff_add(call=call, at=timezone.now() + timedelta(days=30), by=officer)
    assert third.pools.get().pool.hours == 40_000


def test_min_above_max_and_a_second_offer_of_the_same_partition_are_refused():
    officer = ProgrammeOfficerFactory()
    call = CallFactory()
    partition = PartitionFactory()
    with pytest.raises(ValidationError) as exc:
        services.offered_partition_add(
            call=call, partition=partition, by=officer, min_hours=Decimal(9), max_hours=Decimal(5)
        )
    assert "max_hours" in exc.value.message_dict
    services.offered_partition_add(call=call, partition=partition, by=officer)
    with pytest.raises(ValidationError) as exc:
        services.offered_partition_add(call=call, partition=partition, by=officer)
    assert "already offered" in exc.value.message_dict["partition"][0]


def test_cutoffs_must_fall_inside_the_call_window():
    officer = ProgrammeOfficerFactory()
    call = _create(officer)
    with pytest.raises(ValidationError) as exc:
        services.cutoff_add(call=call, at=CLOSES + timedelta(minutes=1), by=officer)
    message = exc.value.message_dict["at"][0]
    assert "outside the call's window" in message
    assert "(Europe/Brussels)" in message
    services.cutoff_add(call=call, at=CLOSES, by=officer)  # the closing instant itself is fine
    with pytest.raises(ValidationError, match="already has a cut-off"):
        services.cutoff_add(call=call, at=CLOSES, by=officer)


def test_schedule_generation_is_idempotent_and_in_brussels_time():
    officer = ProgrammeOfficerFactory()
    call = _create(officer)
    created = services.cutoff_schedule_generate(
        call=call, by=officer, days_of_month=[1, 15], clock=time(10, 0), tz="Europe/Brussels"
    )
    # 1 Dec 2026 10:00 CET is the opening instant itself (excluded): 15 Dec ... 15 Jun.
    assert len(created) == 13
    assert created[0].at == datetime(2026, 12, 15, 9, 0, tzinfo=UTC)
    assert created[-1].at == datetime(2027, 6, 15, 8, 0, tzinfo=UTC)  # summer time
    again = services.cutoff_schedule_generate(
        call=call, by=officer, days_of_month=[1, 15], clock=time(10, 0), tz="Europe/Brussels"
    )
    assert again == []
    assert call.cutoffs.count() == 13


def test_shrinking_the_window_past_existing_cutoffs_is_refused():
    officer = ProgrammeOfficerFactory()
    call = _create(officer)
    services.cutoff_add(call=call, at=datetime(2027, 5, 1, 8, 0, tzinfo=UTC), by=officer)
    with pytest.raises(ValidationError) as exc:
        services.call_update(call=call, by=officer, closes_at=datetime(2027, 4, 1, tzinfo=UTC))
    assert "outside the call's dates" in exc.value.message_dict["closes_at"][0]


def test_mode_is_fixed_once_proposals_exist():
    officer = ProgrammeOfficerFactory()
    proposal = ProposalFactory()
    with pytest.raises(ValidationError) as exc:
        services.call_update(call=proposal.call, by=officer, mode=AccessMode.LARGE_SCALE)
    assert "mode" in exc.value.message_dict


def test_publishing_needs_cutoffs_and_partitions():
    officer = ProgrammeOfficerFactory()
    call = _create(officer)
    with pytest.raises(ValidationError) as exc:
        services.call_publish(call=call, by=officer)
    assert "cut-off" in exc.value.messages[0] and "partition" in exc.value.messages[0]
    services.cutoff_add(call=call, at=datetime(2027, 1, 15, 9, tzinfo=UTC), by=officer)
    services.offered_partition_add(call=call, partition=PartitionFactory(), by=officer)
    call = services.call_publish(call=call, by=officer)
    assert call.is_published
    call = services.call_unpublish(call=call, by=officer)
    assert not call.is_published


def test_pool_hours_can_be_set_per_cutoff():
    officer = ProgrammeOfficerFactory()
    offered = CallPartitionFactory()
    cutoff = services.cutoff_add(
        call=offered.call, at=timezone.now() + timedelta(days=5), by=officer
    )
    services.cutoff_pools_set(
        call=offered.call, by=officer, hours={(cutoff.pk, offered.pk): Decimal(123_000)}
    )
    assert cutoff.pools.get().pool.hours == 123_000
    with pytest.raises(ValidationError):
        services.cutoff_pools_set(
            call=offered.call, by=officer, hours={(cutoff.pk, offered.pk): Decimal(-1)}
        )


def test_cutoff_with_proposals_cannot_be_deleted_but_an_empty_one_takes_its_pools_along():
    officer = ProgrammeOfficerFactory()
    proposal = ProposalFactory()
    with pytest.raises(ValidationError, match="Proposals are attached"):
        services.cutoff_delete(cutoff=proposal.cutoff, by=officer)
    offered = CallPartitionFactory()
    cutoff = services.cutoff_add(
        call=offered.call, at=timezone.now() + timedelta(days=3), by=officer
    )
    pool_id = cutoff.pools.get().pool_id
    services.cutoff_delete(cutoff=cutoff, by=officer)
    assert not CapacityPool.objects.filter(pk=pool_id).exists()


def test_criterion_threshold_must_lie_on_the_scale():
    officer = ProgrammeOfficerFactory()
    call = CallFactory()
    with pytest.raises(ValidationError) as exc:
        services.criterion_add(
            call=call, by=officer, name="Ethics", scale_min=0, scale_max=5, threshold=Decimal(7)
        )
    assert "threshold" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.criterion_add(call=call, by=officer, name="Ethics", scale_min=5, scale_max=5)
    assert "scale_max" in exc.value.message_dict
