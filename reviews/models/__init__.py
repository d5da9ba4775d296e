from .assessments import AssessmentSettings, TechnicalAssessment
from .assignment import (
    INACTIVE_ASSIGNMENT_STATUSES,
    AssignmentRun,
    PeerReviewSettings,
    ReviewAssignment,
)
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
from .ranking import FundingLineApplication, PanelNote, PanelRanking, RankingVersion
from .scoring import Confidence, CriterionScore, Recommendation, Review

__all__ = [
    "INACTIVE_ASSIGNMENT_STATUSES",
    "AssessmentSettings",
    "AssignmentRun",
    "Bid",
    "BidLevel",
    "Confidence",
    "CriterionScore",
    "FundingLineApplication",
    "PanelNote",
    "PanelRanking",
    "RankingVersion",
    "Recommendation",
    "Review",
    "ConflictType",
    "DeclaredConflict",
    "DetectedConflict",
    "DetectionRule",
    "EligibilityCheck",
    "EligibilityCriterion",
    "NoConflictConfirmation",
    "PastEmployer",
    "PeerReviewSettings",
    "PoolInvitation",
    "PoolMembership",
    "ReviewAssignment",
    "ReviewerProfile",
    "TechnicalAssessment",
]
