from .allocations import CapacityPoolFactory, CentreFactory, CentreMembershipFactory, PartitionFactory
from .applications import (
    CallFactory,
    CallPartitionFactory,
    CutOffFactory,
    CutOffPoolFactory,
    EvaluationCriterionFactory,
    ProposalFactory,
    ResourceRequestFactory,
    TeamMemberFactory,
)
from .portal import (
    InvitationFactory,
    MembershipFactory,
    OrganisationFactory,
    ProgrammeOfficerFactory,
    ReviewerFactory,
    UserFactory,
)

__all__ = [
    "CallFactory",
    "CallPartitionFactory",
    "CapacityPoolFactory",
    "CentreFactory",
    "CentreMembershipFactory",
    "CutOffFactory",
    "CutOffPoolFactory",
    "EvaluationCriterionFactory",
    "InvitationFactory",
    "MembershipFactory",
    "OrganisationFactory",
    "PartitionFactory",
    "ProgrammeOfficerFactory",
    "ProposalFactory",
    "ResourceRequestFactory",
    "ReviewerFactory",
    "TeamMemberFactory",
    "UserFactory",
]
