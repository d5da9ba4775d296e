from django.core.management.base import BaseCommand

from reviews.demo_assessments import assessment_demo_seed


class Command(BaseCommand):
    help = "Technical assessments of the eligible demo proposals by the demo assessor. Idempotent."

    def handle(self, *args, **options):
        submitted = assessment_demo_seed()
        self.stdout.write(f"Technical assessments submitted by the demo assessor: {submitted}.")
