import pytest
from django.urls import reverse

from tests.factories import CallFactory, UserFactory
from tests.factories.portal import give_totp

pytestmark = pytest.mark.django_db


def test_site_admins_set_a_calls_working_days_and_only_read_assessments(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    give_totp(admin)
    client.force_login(admin)
    call = CallFactory()
    added = client.post(
        reverse("admin:reviews_assessmentsettings_add"), {"call": call.pk, "working_days": "3"}
    )
    assert added.status_code == 302
    assert call.assessment_settings.working_days == 3
    refused = client.post(
        reverse("admin:reviews_assessmentsettings_add"), {"call": call.pk, "working_days": "0"}
    )
    assert refused.status_code == 200  # the form again, with the error
    assert client.get(reverse("admin:reviews_technicalassessment_changelist")).status_code == 200
    assert client.get(reverse("admin:reviews_technicalassessment_add")).status_code == 403


def test_site_admins_only_read_the_pool_and_conflicts(client):
    from reviews.models import PoolInvitation

    admin = UserFactory(is_staff=True, is_superuser=True)
    give_totp(admin)
    client.force_login(admin)
    invitation = PoolInvitation.objects.create(call=CallFactory(), email="x@lab.eu")
    for model in ("poolinvitation", "poolmembership", "declaredconflict", "detectedconflict"):
        assert client.get(reverse(f"admin:reviews_{model}_changelist")).status_code == 200
        assert client.get(reverse(f"admin:reviews_{model}_add")).status_code == 403
    page = client.get(reverse("admin:reviews_poolinvitation_change", args=[invitation.pk]))
    assert page.status_code == 200 and str(invitation.token) not in page.content.decode()
