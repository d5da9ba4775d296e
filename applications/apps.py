from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = "Calls and proposals"

    def ready(self) -> None:
        from applications.failed_work import register_failed_work

        register_failed_work()
