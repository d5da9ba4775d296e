from django.core.management.base import BaseCommand

from portal.services.notifications import notifications_sweep


class Command(BaseCommand):
    help = (
        "Schedule outbox rows whose delivery is due (lost tasks, retries after a failure, rows "
        "whose worker was lost). Beat does this every minute; run it by hand or from cron when "
        "the portal runs without beat."
    )

    def handle(self, *args, **options):
        result = notifications_sweep()
        self.stdout.write(
            f"Notifications scheduled: {result.scheduled}. Deliveries whose worker was lost: "
            f"{result.interrupted} to be tried again, {result.given_up} given up."
        )
