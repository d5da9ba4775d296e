from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "Evaluation"

    def ready(self) -> None:
        from applications.hooks import proposal_transitioned, transition_guard_register
        from applications.models import Proposal
        from reviews.services.assessments import DECISION_ACTIONS, every_centre_assessed_guard
        from reviews.signals import open_assessments_on_eligibility

        transition_guard_register(every_centre_assessed_guard, actions=DECISION_ACTIONS)
        proposal_transitioned.connect(
            open_assessments_on_eligibility,
            sender=Proposal,
            dispatch_uid="reviews.open_assessments_on_eligibility",
        )
