from django.db import migrations


def refine_waiting_on(apps, schema_editor):
    """Proposals in evaluation wait on a centre's assessment when one is open or overdue (the
    applications migration set them from their status alone)."""
    from applications.services.proposals.waiting import proposals_waiting_refresh

    Proposal = apps.get_model("applications", "Proposal")
    pks = list(Proposal.objects.filter(waiting_on="decision").values_list("pk", flat=True))
    for start in range(0, len(pks), 1000):
        proposals_waiting_refresh(proposal_ids=pks[start : start + 1000])


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0002_assessments"),
        ("applications", "0014_cutoff_waiting_counts"),
    ]

    operations = [migrations.RunPython(refine_waiting_on, migrations.RunPython.noop)]
