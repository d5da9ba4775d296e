from django.core.management.base import BaseCommand

from allocations.catalogue import catalogue_seed


class Command(BaseCommand):
    help = "Create or refresh the hosting centres and their partitions. Safe to run repeatedly."

    def handle(self, *args, **options):
        result = catalogue_seed()
        self.stdout.write(
            f"Centres created: {result.centres_created}; partitions created: "
            f"{result.partitions_created}, refreshed: {result.partitions_updated}."
        )
