from .eligibility import EligibilityCheck, EligibilityCriterion

__all__ = ["EligibilityCheck", "EligibilityCriterion"]
