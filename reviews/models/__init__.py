from .assessments import AssessmentSettings, TechnicalAssessment

__all__ = ["AssessmentSettings", "TechnicalAssessment"]
