from .calls import (
    Call,
    CallPartition,
    CutOff,
    CutOffClockCount,
    CutOffDemand,
    CutOffPool,
    CutOffWaitingCount,
    EvaluationCriterion,
)
from .closure_days import ClosureDay
from .proposals import (
    AI_ACT_QUESTIONS,
    Attachment,
    PdfStatus,
    Proposal,
    ProposalStatus,
    ReferenceCounter,
    ResourceRequest,
    TeamMember,
    WaitingOn,
)
from .replies import ProposalReply

__all__ = [
    "AI_ACT_QUESTIONS",
    "Attachment",
    "Call",
    "CallPartition",
    "ClosureDay",
    "CutOff",
    "CutOffClockCount",
    "CutOffDemand",
    "CutOffPool",
    "CutOffWaitingCount",
    "EvaluationCriterion",
    "PdfStatus",
    "Proposal",
    "ProposalReply",
    "ProposalStatus",
    "ReferenceCounter",
    "ResourceRequest",
    "TeamMember",
    "WaitingOn",
]
