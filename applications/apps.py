from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = "Calls and proposals"

    def ready(self) -> None:
        # The centre pages (allocations) show the hours requested from each cut-off's pools.
        from allocations.pool_demand import pool_demand_provider_register
        from applications.failed_work import register_failed_work
        from applications.selectors.pools import cutoff_pool_demands

        pool_demand_provider_register(cutoff_pool_demands)
        # Given-up proposal PDFs are listed on the portal's failed-work page.
        register_failed_work()
        # A proposal in reply goes to the panel once the reply is in or its deadline has passed.
        from applications.hooks import transition_guard_register
        from applications.services.replies import reply_send_to_panel_guard

        transition_guard_register(reply_send_to_panel_guard, actions=["send_to_panel"])
        # Settings the working days need are checked at start-up (manage.py check).
        import applications.working_days  # noqa: F401
