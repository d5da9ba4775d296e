from django.core.management.base import BaseCommand

from portal.services.periodic_tasks import periodic_tasks_sync


class Command(BaseCommand):
    help = "Write the periodic jobs of settings.PORTAL_PERIODIC_TASKS as django-celery-beat rows."

    def handle(self, *args, **options):
        result = periodic_tasks_sync()
        self.stdout.write(
            f"Periodic tasks: {result.created} created, {result.updated} updated, "
            f"{result.removed} removed."
        )
