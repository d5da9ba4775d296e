"""The organisation page costs the same number of queries for 1 member as for 20."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.models import Membership, Notification
from portal.services.organisations import invitation_create
from tests.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def _organisation_with(members: int, invitations: int):
    organisation = OrganisationFactory()
    owner = MembershipFactory(organisation=organisation, role=Membership.Role.OWNER).user
    MembershipFactory.create_batch(members - 1, organisation=organisation)
    for n in range(invitations):
        invitation_create(organisation=organisation, by=owner, email=f"i{n}@example.eu")
    Notification.objects.create(
        recipient=owner,
        to_email=owner.email,
        template="t",
        subject="s",
        body_text="b",
        idempotency_key=f"k{organisation.pk}",
    )
    return organisation, owner


def _count(client, organisation, owner):
    client.force_login(owner)
    url = reverse("portal:organisation_detail", args=[organisation.pk])
    client.get(url)  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response


def test_organisation_page_queries_do_not_grow_with_members(client):
    small, small_owner = _organisation_with(members=1, invitations=1)
    large, large_owner = _organisation_with(members=20, invitations=20)
    small_count, _ = _count(client, small, small_owner)
    large_count, response = _count(client, large, large_owner)
    assert response.content.decode().count('class="list-group-item') == 20 + 20
    assert small_count == large_count


def test_organisation_list_queries_do_not_grow_with_organisations(client):
    one, owner = _organisation_with(members=3, invitations=0)
    client.force_login(owner)
    url = reverse("portal:organisation_list")
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    few = len(queries)
    for _ in range(19):
        MembershipFactory(user=owner, role=Membership.Role.OWNER)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.content.decode().count("/organisations/") >= 20
    assert len(queries) == few
