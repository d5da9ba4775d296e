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
            f"{result.scheduled} notification(s) scheduled; of the deliveries whose worker was "
            f"lost, {result.interrupted} will be tried again and {result.given_up} were given up."
        )
