from .assessments import AssessmentSettings, TechnicalAssessment
from .bids import Bid, BidLevel
from .conflicts import (
    ConflictType,
    DeclaredConflict,
    DetectedConflict,
    DetectionRule,
    NoConflictConfirmation,
)
from .eligibility import EligibilityCheck, EligibilityCriterion
from .pool import PastEmployer, PoolInvitation, PoolMembership, ReviewerProfile

__all__ = [
    "AssessmentSettings",
    "Bid",
    "BidLevel",
    "ConflictType",
    "DeclaredConflict",
    "DetectedConflict",
    "DetectionRule",
    "EligibilityCheck",
    "EligibilityCriterion",
    "NoConflictConfirmation",
    "PastEmployer",
    "PoolInvitation",
    "PoolMembership",
    "ReviewerProfile",
    "TechnicalAssessment",
]
