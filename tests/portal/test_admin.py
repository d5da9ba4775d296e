"""The Django admin for site administrators."""

import pytest
from django.urls import reverse

from portal.models import Activity, Membership, Notification
from portal.services.activity import activity_record
from tests.factories import InvitationFactory, MembershipFactory, UserFactory
from tests.factories.portal import give_totp

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    give_totp(admin)
    client.force_login(admin)
    return client


def test_admin_pages_for_portal_models_render(admin_client):
    membership = MembershipFactory(role=Membership.Role.OWNER)
    InvitationFactory(organisation=membership.organisation)
    activity_record(
        actor=membership.user, verb="organisation.create", target=membership.organisation
    )
    for model in ("user", "organisation", "invitation", "activity", "notification"):
        response = admin_client.get(reverse(f"admin:portal_{model}_changelist"))
        assert response.status_code == 200, model
    response = admin_client.get(
        reverse("admin:portal_organisation_change", args=[membership.organisation.pk])
    )
    assert str(membership.user) in response.content.decode()  # the membership inline
    assert admin_client.get(reverse("admin:portal_user_add")).status_code == 200


def test_activity_log_is_read_only_in_the_admin(admin_client):
    activity = activity_record(actor=None, verb="something.happened")
    assert admin_client.get(reverse("admin:portal_activity_add")).status_code == 403
    response = admin_client.post(
        reverse("admin:portal_activity_change", args=[activity.pk]), {"verb": "rewritten"}
    )
    assert response.status_code == 403
    assert Activity.objects.get(pk=activity.pk).verb == "something.happened"
    response = admin_client.post(reverse("admin:portal_activity_delete", args=[activity.pk]))
    assert response.status_code == 403


def test_requeue_action_queues_failed_notifications_only(
    admin_client, django_capture_on_commit_callbacks, mailoutbox
):
    failed = Notification.objects.create(
        to_email="a@example.eu",
        template="t",
        subject="Failed one",
        body_text="b",
        idempotency_key="failed",
        status=Notification.Status.FAILED,
        attempts=5,
        last_error="SMTPServerDisconnected",
    )
    sent = Notification.objects.create(
        to_email="b@example.eu",
        template="t",
        subject="Sent one",
        body_text="b",
        idempotency_key="sent",
        status=Notification.Status.SENT,
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:portal_notification_changelist"),
            {"action": "requeue", "_selected_action": [failed.pk, sent.pk]},
            follow=True,
        )
    body = response.content.decode()
    assert "1 notification re-queued" in body
    assert "1 notification was not failed and was left as it is" in body
    failed.refresh_from_db()
    assert failed.status != Notification.Status.FAILED
    assert Notification.objects.get(pk=sent.pk).status == Notification.Status.SENT


def test_applicants_cannot_open_the_admin(client):
    client.force_login(UserFactory())
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert "login" in response["Location"]
