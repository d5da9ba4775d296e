"""Permissions on centres and their partitions. Pages, services and the API ask these questions.

Centre roles are CentreMembership rows (portal.roles reads them once per request). A predicate
takes a centre, or anything that belongs to one (a partition, a capacity pool), so the same
question can be asked of whatever object a page is about.
"""

from __future__ import annotations

import rules

from portal import roles

from .models import CentreMembership

CENTRE_ADMINISTRATOR = CentreMembership.Role.CENTRE_ADMINISTRATOR
TECHNICAL_ASSESSOR = CentreMembership.Role.TECHNICAL_ASSESSOR


def centre_id_of(obj) -> int | None:
    """The centre a centre, partition or capacity pool belongs to."""
    if obj is None:
        return None
    if hasattr(obj, "centre_id"):
        return obj.centre_id
    if hasattr(obj, "partition"):
        return obj.partition.centre_id
    return obj.pk


def _has_centre_role(user, obj, role: str) -> bool:
    centre_id = centre_id_of(obj)
    if centre_id is None or not user.is_authenticated:
        return False
    return centre_id in roles.centre_ids_with_role(user, role)


@rules.predicate
def is_centre_administrator_of(user, centre) -> bool:
    return _has_centre_role(user, centre, CENTRE_ADMINISTRATOR)


@rules.predicate
def is_technical_assessor_of(user, centre) -> bool:
    return _has_centre_role(user, centre, TECHNICAL_ASSESSOR)


@rules.predicate
def is_programme_officer(user) -> bool:
    return roles.is_programme_officer(user)


is_centre_staff_of = is_centre_administrator_of | is_technical_assessor_of

# The catalogue (centres, systems, hardware) is public: applicants choose partitions from it.
rules.add_perm("allocations.view_centre", rules.always_allow)
rules.add_perm("allocations.view_partition", rules.always_allow)
# A centre's administrators manage its own partitions and nobody else's.
rules.add_perm("allocations.change_centre", is_centre_administrator_of)
rules.add_perm("allocations.change_partition", is_centre_administrator_of)
# Capacity set aside per period or cut-off is internal to the centre and the programme office.
rules.add_perm("allocations.view_capacitypool", is_centre_staff_of | is_programme_officer)
# Holding hours of a pool follows a decision, which only the programme office takes; the service
# that records the decision checks who may take it, this checks who may hold hours at all.
rules.add_perm("allocations.reserve_capacitypool", is_programme_officer)
rules.add_perm("allocations.change_capacitypool", is_programme_officer)
