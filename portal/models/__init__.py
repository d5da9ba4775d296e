from .accounts import User
from .activity import Activity
from .notifications import Notification
from .organisations import Invitation, Membership, Organisation, OrganisationKind

__all__ = [
    "Activity",
    "Invitation",
    "Membership",
    "Notification",
    "Organisation",
    "OrganisationKind",
    "User",
]
