from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal core"

    def ready(self) -> None:
        from . import signals  # noqa: F401
        from .login_limits import wait_longer_for_rate_limit_locks

        wait_longer_for_rate_limit_locks()
