import pytest

from allocations.models import CentreMembership
from tests.factories import (
    CapacityPoolFactory,
    CentreFactory,
    CentreMembershipFactory,
    PartitionFactory,
    ProgrammeOfficerFactory,
    UserFactory,
)


@pytest.mark.django_db
def test_centre_administrators_change_only_their_own_centres_partitions():
    admin = CentreMembershipFactory(administrator=True)
    own = PartitionFactory(centre=admin.centre)
    other = PartitionFactory()
    user = admin.user
    assert user.has_perm("allocations.change_partition", own)
    assert user.has_perm("allocations.change_partition", admin.centre)
    assert not user.has_perm("allocations.change_partition", other)
    assert not user.has_perm("allocations.change_partition", other.centre)


@pytest.mark.django_db
def test_technical_assessors_and_applicants_cannot_change_partitions():
    assessor = CentreMembershipFactory(role=CentreMembership.Role.TECHNICAL_ASSESSOR)
    partition = PartitionFactory(centre=assessor.centre)
    assert not assessor.user.has_perm("allocations.change_partition", partition)
    assert not UserFactory().has_perm("allocations.change_partition", partition)


@pytest.mark.django_db
def test_capacity_pools_are_seen_by_the_centres_staff_and_programme_officers_only():
    centre = CentreFactory()
    pool = CapacityPoolFactory(partition=PartitionFactory(centre=centre))
    assessor = CentreMembershipFactory(centre=centre).user
    officer = ProgrammeOfficerFactory()
    outsider = CentreMembershipFactory(administrator=True).user  # administrator elsewhere
    for user in (assessor, officer):
        assert user.has_perm("allocations.view_capacitypool", pool)
        assert user.has_perm("allocations.view_capacitypool", centre)
    assert not outsider.has_perm("allocations.view_capacitypool", pool)
    assert not UserFactory().has_perm("allocations.view_capacitypool", centre)


@pytest.mark.django_db
def test_predicates_name_the_role_at_that_centre():
    from allocations.rules import is_centre_administrator_of, is_technical_assessor_of

    both = CentreMembershipFactory(administrator=True)
    CentreMembershipFactory(centre=both.centre, user=both.user)
    elsewhere = CentreFactory()
    assert is_centre_administrator_of(both.user, both.centre)
    assert is_technical_assessor_of(both.user, both.centre)
    assert not is_centre_administrator_of(both.user, elsewhere)
    assert not is_technical_assessor_of(both.user, elsewhere)
