from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "Evaluation"

    def ready(self) -> None:
        from . import rules  # noqa: F401  (registers the permissions)
