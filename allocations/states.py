"""The allocation's states and the transitions between them: one table, read by the one service
that changes an allocation's status (allocations.services.allocation_transition)."""

from __future__ import annotations

from .models import Allocation

Status = Allocation.Status

# Hours of these states are taken from the pool; only a release gives them back. Expired and
# closed allocations keep theirs: the period they were granted for has been used up or forfeited.
HOLDING = frozenset(
    {Status.RESERVED, Status.ACTIVE, Status.SUSPENDED, Status.EXPIRED, Status.CLOSED}
)

# action -> (states it may start from, state it leads to). Reserving a new reference creates the
# row in `reserved`; these are the changes of an existing one. Activation (with a project code),
# suspension, expiry and closing join the table with the hours ledger.
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    # A released reference reserved again holds hours again, if the pool has room for them.
    "reserve": (frozenset({Status.RELEASED}), Status.RESERVED),
    "release": (frozenset({Status.RESERVED}), Status.RELEASED),
}


def target_of(action: str, current: str) -> str | None:
    """The state `action` leads to from `current`, or None when the table does not allow it."""
    sources, target = TRANSITIONS[action]
    return target if current in sources else None
