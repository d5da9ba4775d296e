from .assessments import AssessmentSettings, TechnicalAssessment
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
