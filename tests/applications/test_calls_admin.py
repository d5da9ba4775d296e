"""The Django admin keeps a full view of a call for site administrators."""

import pytest
from django.urls import reverse

from portal.models import User
from tests.factories import (
    CallPartitionFactory,
    CutOffFactory,
    EvaluationCriterionFactory,
)

pytestmark = pytest.mark.django_db


def test_call_admin_shows_cutoffs_partitions_and_criteria_inline(client, settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    offered = CallPartitionFactory()
    call = offered.call
    CutOffFactory(call=call)
    EvaluationCriterionFactory(call=call, name="Excellence")
    client.force_login(User.objects.create_superuser(email="root@example.org", password="x"))
    assert client.get(reverse("admin:applications_call_changelist")).status_code == 200
    page = client.get(reverse("admin:applications_call_change", args=[call.pk])).content.decode()
    assert "Excellence" in page
    assert "cutoffs-TOTAL_FORMS" in page
    assert "offered_partitions-TOTAL_FORMS" in page
