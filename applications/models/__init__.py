from .calls import Call, CallPartition, CutOff, CutOffPool, EvaluationCriterion
from .proposals import (
    Attachment,
    Proposal,
    ProposalStatus,
    ReferenceCounter,
    ResourceRequest,
    TeamMember,
)

__all__ = [
    "Attachment",
    "Call",
    "CallPartition",
    "CutOff",
    "CutOffPool",
    "EvaluationCriterion",
    "Proposal",
    "ProposalStatus",
    "ReferenceCounter",
    "ResourceRequest",
    "TeamMember",
]
