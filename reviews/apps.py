from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "Evaluation"

    def ready(self) -> None:
        from applications.hooks import demo_chapter_register

        from . import rules  # noqa: F401  (registers the permissions)
        from .demo import eligibility_demo_seed

        demo_chapter_register(eligibility_demo_seed)
