from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "Evaluation"

    def ready(self) -> None:
        from applications.hooks import (
            demo_chapter_register,
            proposal_transitioned,
            transition_guard_register,
        )
        from applications.models import Proposal
        from reviews.services.assessments import DECISION_ACTIONS, every_centre_assessed_guard
        from reviews.signals import open_assessments_on_eligibility

        from . import rules  # noqa: F401  (registers the permissions)
        from .demo import eligibility_demo_seed
        from .demo_assessments import assessment_demo_chapter
        from .demo_decisions import decision_demo_chapter

        transition_guard_register(every_centre_assessed_guard, actions=DECISION_ACTIONS)
        proposal_transitioned.connect(
            open_assessments_on_eligibility,
            sender=Proposal,
            dispatch_uid="reviews.open_assessments_on_eligibility",
        )
        # The demo's evaluation chapters, in story order: eligibility, the assessments, the
        # first-come-first-served decisions.
        demo_chapter_register(eligibility_demo_seed)
        demo_chapter_register(assessment_demo_chapter)
        demo_chapter_register(decision_demo_chapter)
