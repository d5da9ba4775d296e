from django.db import migrations


def refresh_peer_review_waiting(apps, schema_editor):
    """Proposals on the peer review path said "Decision" from eligibility to the panel: they wait
    on their reviewers, the applicant's reply or the panel (as reviews/migrations/0003 did for
    the assessments, through the live refresh, which keeps the cut-offs' counts with them)."""
    from applications.services.proposals.waiting import proposals_waiting_refresh

    Proposal = apps.get_model("applications", "Proposal")
    pks = list(
        Proposal.objects.filter(
            waiting_on="decision", status__in=("eligible", "in_review", "in_reply", "in_panel")
        ).values_list("pk", flat=True)
    )
    for start in range(0, len(pks), 1000):
        proposals_waiting_refresh(proposal_ids=pks[start : start + 1000])


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0008_assignment_conflicted"),
        ("applications", "0016_waiting_peer_review"),
    ]

    operations = [migrations.RunPython(refresh_peer_review_waiting, migrations.RunPython.noop)]
