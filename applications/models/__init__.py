from .calls import Call, CallPartition, CutOff, CutOffDemand, CutOffPool, EvaluationCriterion
from .proposals import (
    AI_ACT_QUESTIONS,
    Attachment,
    PdfStatus,
    Proposal,
    ProposalStatus,
    ReferenceCounter,
    ResourceRequest,
    TeamMember,
)

__all__ = [
    "AI_ACT_QUESTIONS",
    "Attachment",
    "Call",
    "CallPartition",
    "CutOff",
    "CutOffDemand",
    "CutOffPool",
    "EvaluationCriterion",
    "PdfStatus",
    "Proposal",
    "ProposalStatus",
    "ReferenceCounter",
    "ResourceRequest",
    "TeamMember",
]
