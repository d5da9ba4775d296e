from .assessments import AssessmentSettings, TechnicalAssessment
from .eligibility import EligibilityCheck, EligibilityCriterion

__all__ = ["AssessmentSettings", "EligibilityCheck", "EligibilityCriterion", "TechnicalAssessment"]
