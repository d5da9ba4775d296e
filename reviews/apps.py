from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "Evaluation"

    def ready(self) -> None:
        from applications.hooks import (
            WaitingProvider,
            demo_chapter_register,
            proposal_transitioned,
            transition_guard_register,
            waiting_provider_register,
        )
        from applications.models import Proposal
        from reviews.selectors.waiting import assessment_waiting_refine, reviews_waiting_refine
        from reviews.services.assessments import DECISION_ACTIONS, every_centre_assessed_guard
        from reviews.signals import open_assessments_on_eligibility

        from . import rules  # noqa: F401  (registers the permissions)
        from .demo import eligibility_demo_seed
        from .demo_assessments import assessment_demo_chapter
        from .demo_decisions import decision_demo_chapter
        from .demo_pool import pool_demo_chapter
        from .demo_ranking import ranking_demo_chapter
        from .demo_reply import reply_demo_chapter
        from .demo_reviews import review_assessment_demo_chapter, review_demo_chapter

        transition_guard_register(every_centre_assessed_guard, actions=DECISION_ACTIONS)
        from reviews.services.replies import REVIEWS_COMPLETE_ACTIONS, reviews_complete_guard

        # Neither the right of reply nor the panel before every review owed is in.
        transition_guard_register(reviews_complete_guard, actions=REVIEWS_COMPLETE_ACTIONS)
        # What the officer's lists say a proposal in evaluation waits on: its peer reviews, then
        # (registered after, so its answer wins) a centre's assessment still open.
        waiting_provider_register(WaitingProvider("peer_review", reviews_waiting_refine))
        waiting_provider_register(
            WaitingProvider("technical_assessment", assessment_waiting_refine)
        )
        from allauth.account.signals import email_confirmed, user_logged_in

        from reviews.signals import join_pools_on_email_confirmed, join_pools_on_login

        email_confirmed.connect(
            join_pools_on_email_confirmed, dispatch_uid="reviews.join_pools_on_email_confirmed"
        )
        user_logged_in.connect(join_pools_on_login, dispatch_uid="reviews.join_pools_on_login")
        proposal_transitioned.connect(
            open_assessments_on_eligibility,
            sender=Proposal,
            dispatch_uid="reviews.open_assessments_on_eligibility",
        )
        # The demo's evaluation chapters, in story order: eligibility, the assessments, the
        # first-come-first-served decisions, the Large Scale call's reviewer pool and conflicts,
        # its peer review (its centres assess before the decisions' sweeps would find them late),
        # the right of reply and the panel ranking.
        demo_chapter_register(eligibility_demo_seed)
        demo_chapter_register(assessment_demo_chapter)
        demo_chapter_register(review_assessment_demo_chapter)
        demo_chapter_register(decision_demo_chapter)
        demo_chapter_register(pool_demo_chapter)
        demo_chapter_register(review_demo_chapter)
        demo_chapter_register(reply_demo_chapter)
        demo_chapter_register(ranking_demo_chapter)
