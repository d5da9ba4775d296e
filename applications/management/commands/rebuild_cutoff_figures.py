"""`manage.py rebuild_cutoff_figures`: recompute the kept figures of the cut-offs (submitted
count, demand per offered partition) from the proposals and their requests. Needed only after
data was written around the services: bulk imports, hand repairs, a seed that sets states."""

from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import pluralize

from applications.models import CutOff
from applications.services.proposals import cutoff_counts_rebuild


class Command(BaseCommand):
    help = "Recompute the cut-offs' kept figures (submitted count, demand) from the proposals."

    def add_arguments(self, parser):
        parser.add_argument("--cutoff", type=int, help="Only this cut-off (id).")

    def handle(self, *args, cutoff=None, **options):
        target = None
        if cutoff is not None:
            target = CutOff.objects.filter(pk=cutoff).first()
            if target is None:
                raise CommandError(f"No cut-off has the id {cutoff}.")
        done = cutoff_counts_rebuild(cutoff=target)
        self.stdout.write(f"Figures rebuilt for {done} cut-off{pluralize(done)}.")
