"""The award decisions figure of `manage.py bench`: parallel workers on their own connections,
its rate per second printed, nothing of what they committed left behind."""

from io import StringIO

import pytest
from django.core.management import call_command

from allocations.models import Allocation, Centre
from applications.models import Call, Proposal
from portal.models import Activity


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_award_decisions_figure_prints_a_rate_and_leaves_nothing(require_postgresql):
    out = StringIO()
    call_command("bench", scale=0.001, repeat=1, warmup=1, only="award decisions", stdout=out)
    printed = out.getvalue()
    assert "award decisions: 80 by 8 parallel workers on one pool" in printed
    assert "per second" in printed and "error" not in printed
    assert not Proposal.objects.exists() and not Call.objects.exists()
    assert not Allocation.objects.exists() and not Centre.objects.exists()
    assert not Activity.objects.filter(verb="proposal.award").exists()
