"""The reservations figure of `manage.py bench`: parallel workers on their own connections,
and nothing of what they committed left behind."""

from io import StringIO

import pytest
from django.core.management import call_command

from allocations.models import Allocation, CapacityPool, Centre
from portal.models import Activity, Organisation


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_reservations_figure_is_measured_and_leaves_nothing(require_postgresql):
    out = StringIO()
    call_command("bench", scale=0.001, repeat=1, warmup=1, only="pool reservations", stdout=out)
    printed = out.getvalue()
    assert "pool reservations: 200 by 8 parallel workers on one pool" in printed
    assert "error" not in printed
    # The workers committed their pool, holder and 2 x 200 reservations; each run removed them.
    assert not Allocation.objects.exists()
    assert not CapacityPool.objects.exists() and not Centre.objects.exists()
    assert not Organisation.objects.exists()
    assert not Activity.objects.filter(verb="allocation.reserve").exists()
