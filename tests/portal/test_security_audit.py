"""Object permissions of the portal core (organisations, members, invitations, notifications,
profile, API token) and of the centre pages, attacked from the outside: another organisation's
user, ids of one organisation's invitations and members sent through another's URLs, invitation
tokens used by the wrong person, anonymous and cross-site (CSRF) posts.

Every case is a negative one: it asserts the refusal and that nothing changed."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from allocations.models import Partition
from portal.models import Invitation, Membership, Notification, Organisation
from portal.services.organisations import (
    invitation_accept,
    invitation_create,
    invitation_revoke,
    membership_remove,
    organisation_update,
)
from tests.factories import (
    CentreMembershipFactory,
    InvitationFactory,
    MembershipFactory,
    OrganisationFactory,
    PartitionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def victim():
    """Organisation B: an owner, a member and a pending invitation."""
    organisation = OrganisationFactory(legal_name="Victim Robotics SRL")
    owner = MembershipFactory(organisation=organisation, role=Membership.Role.OWNER).user
    member_ship = MembershipFactory(organisation=organisation)
    invitation = InvitationFactory(
        organisation=organisation, invited_by=owner, email="newhire@victim.eu"
    )
    return {
        "organisation": organisation,
        "owner": owner,
        "membership": member_ship,
        "invitation": invitation,
    }


@pytest.fixture
def attacker():
    """The owner of organisation A, a different company."""
    organisation = OrganisationFactory(legal_name="Attacker Labs GmbH")
    owner = MembershipFactory(organisation=organisation, role=Membership.Role.OWNER).user
    return {"organisation": organisation, "owner": owner}


def state_of(organisation: Organisation) -> tuple:
    organisation.refresh_from_db()
    return (
        organisation.legal_name,
        organisation.vat_number,
        sorted(organisation.memberships.values_list("user_id", "role")),
        sorted(organisation.invitations.values_list("email", "status")),
    )


def organisation_form(organisation: Organisation, **changes) -> dict:
    data = {
        "legal_name": organisation.legal_name,
        "country": organisation.country,
        "registration_number": organisation.registration_number,
        "vat_number": organisation.vat_number,
        "founded_on": organisation.founded_on.isoformat(),
        "website": organisation.website,
        "employees": organisation.employees,
        "annual_turnover_eur": organisation.annual_turnover_eur,
        "balance_sheet_eur": organisation.balance_sheet_eur,
    }
    data.update(changes)
    return data


# --- another organisation's user ----------------------------------------------------------------


def test_another_organisations_owner_gets_404_on_every_organisation_url(client, victim, attacker):
    organisation = victim["organisation"]
    before = state_of(organisation)
    client.force_login(attacker["owner"])
    pk = organisation.pk
    gets = [
        reverse("portal:organisation_detail", args=[pk]),
        reverse("portal:organisation_edit", args=[pk]),
    ]
    posts = [
        (reverse("portal:organisation_edit", args=[pk]), organisation_form(organisation)),
        (reverse("portal:invitation_create", args=[pk]), {"email": "spy@attacker.eu"}),
        (reverse("portal:invitation_revoke", args=[pk, victim["invitation"].pk]), {}),
        (reverse("portal:membership_remove", args=[pk, victim["membership"].pk]), {}),
    ]
    for url in gets:
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Victim Robotics" not in response.content.decode()
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
    assert state_of(organisation) == before
    assert "Victim Robotics" not in client.get(reverse("portal:organisation_list")).content.decode()


def test_ids_of_another_organisations_invitation_and_member_are_404_through_my_own(
    client, victim, attacker
):
    """The attacker owns A, so A's revoke and remove URLs are open to them; B's ids in them
    must not reach B's invitation or member."""
    before = state_of(victim["organisation"])
    client.force_login(attacker["owner"])
    mine = attacker["organisation"].pk
    revoke = reverse("portal:invitation_revoke", args=[mine, victim["invitation"].pk])
    remove = reverse("portal:membership_remove", args=[mine, victim["membership"].pk])
    assert client.post(revoke).status_code == 404
    assert client.post(remove).status_code == 404
    assert state_of(victim["organisation"]) == before


def test_the_organisation_services_refuse_another_organisations_owner(victim, attacker):
    organisation = victim["organisation"]
    before = state_of(organisation)
    intruder = attacker["owner"]
    with pytest.raises(PermissionDenied):
        organisation_update(organisation=organisation, by=intruder, facts={"legal_name": "Mine"})
    with pytest.raises(PermissionDenied):
        invitation_create(organisation=organisation, by=intruder, email="spy@attacker.eu")
    with pytest.raises(PermissionDenied):
        invitation_revoke(invitation=victim["invitation"], by=intruder)
    with pytest.raises(PermissionDenied):
        membership_remove(membership=victim["membership"], by=intruder)
    assert state_of(organisation) == before


# --- members who are not owners -----------------------------------------------------------------


def test_a_plain_member_cannot_change_invite_revoke_or_remove(client, victim):
    organisation = victim["organisation"]
    before = state_of(organisation)
    other = MembershipFactory(organisation=organisation)
    client.force_login(victim["membership"].user)
    pk = organisation.pk
    assert client.get(reverse("portal:organisation_edit", args=[pk])).status_code == 403
    edit = organisation_form(organisation, legal_name="Renamed by a member")
    assert client.post(reverse("portal:organisation_edit", args=[pk]), edit).status_code == 403
    invite = {"email": "friend@example.eu"}
    assert client.post(reverse("portal:invitation_create", args=[pk]), invite).status_code == 403
    revoke = reverse("portal:invitation_revoke", args=[pk, victim["invitation"].pk])
    assert client.post(revoke).status_code == 403
    remove = reverse("portal:membership_remove", args=[pk, other.pk])
    assert client.post(remove).status_code == 403
    assert organisation.memberships.filter(pk=other.pk).exists()
    other.delete()
    assert state_of(organisation) == before


# --- invitation tokens --------------------------------------------------------------------------


def test_an_invitation_token_does_not_let_someone_else_join(client, victim):
    invitation = victim["invitation"]
    url = reverse("portal:invitation_open", args=[invitation.token])
    # Anonymous: the page asks to log in; a post joins nobody.
    assert client.post(url).status_code == 302
    # Logged in with another address (even an unverified copy of the invited one).
    stranger = UserFactory(email="stranger@attacker.eu")
    EmailAddress.objects.create(user=stranger, email=invitation.email, verified=False)
    client.force_login(stranger)
    response = client.post(url, follow=True)
    assert "sent to newhire@victim.eu" in response.content.decode()
    with pytest.raises(PermissionDenied):
        invitation_accept(invitation=invitation, user=stranger)
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.PENDING
    assert not victim["organisation"].memberships.filter(user=stranger).exists()


def test_a_revoked_invitation_cannot_be_used(client, victim):
    invitation = victim["invitation"]
    invitation_revoke(invitation=invitation, by=victim["owner"])
    invitee = UserFactory(email=invitation.email)
    client.force_login(invitee)
    client.post(reverse("portal:invitation_open", args=[invitation.token]))
    assert not victim["organisation"].memberships.filter(user=invitee).exists()


def test_an_unknown_invitation_token_is_404(client):
    client.force_login(UserFactory())
    url = reverse("portal:invitation_open", args=["7d1e4c1a-0000-4000-8000-000000000000"])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404


def test_invitations_to_an_unverified_address_are_not_listed(client, victim):
    """Claiming someone's address on one's own account (without proving it) must not reveal who
    invites that address, nor the invitation's link."""
    invitation = victim["invitation"]
    claimer = UserFactory(email="claimer@attacker.eu")
    EmailAddress.objects.create(user=claimer, email=invitation.email, verified=False)
    client.force_login(claimer)
    page = client.get(reverse("portal:organisation_list")).content.decode()
    assert "Victim Robotics" not in page
    assert str(invitation.token) not in page


def test_invitations_to_a_verified_address_are_listed(client, victim):
    invitee = UserFactory(email=victim["invitation"].email)
    client.force_login(invitee)
    page = client.get(reverse("portal:organisation_list")).content.decode()
    assert "Victim Robotics" in page
    assert str(victim["invitation"].token) in page


# --- notifications, profile, API token ----------------------------------------------------------


def test_notifications_of_someone_else_are_never_shown_or_marked_read(client):
    owner = UserFactory()
    theirs = Notification.objects.create(
        recipient=owner,
        to_email=owner.email,
        template="invitation_created",
        subject="Private: your award letter",
        body_text="Private",
        idempotency_key="audit:private",
    )
    client.force_login(UserFactory())
    assert (
        "Private: your award letter"
        not in client.get(reverse("portal:notifications")).content.decode()
    )
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_api_token_page_only_touches_ones_own_token(client):
    victim_user = UserFactory()
    victim_token = Token.objects.create(user=victim_user)
    attacker_user = UserFactory()
    client.force_login(attacker_user)
    client.post(reverse("api_token"), {"action": "revoke", "user": victim_user.pk})
    client.post(reverse("api_token"), {"user": victim_user.pk})
    assert Token.objects.get(user=victim_user).key == victim_token.key


# --- login and CSRF on every POST ---------------------------------------------------------------


def _every_post(victim) -> list[tuple[str, dict]]:
    organisation = victim["organisation"]
    pk = organisation.pk
    return [
        (reverse("portal:profile"), {"first_name": "Forged", "timezone": "UTC"}),
        (reverse("portal:organisation_create"), organisation_form(organisation, legal_name="X")),
        (reverse("portal:organisation_edit", args=[pk]), organisation_form(organisation)),
        (reverse("portal:invitation_create", args=[pk]), {"email": "forged@example.eu"}),
        (reverse("portal:invitation_revoke", args=[pk, victim["invitation"].pk]), {}),
        (reverse("portal:membership_remove", args=[pk, victim["membership"].pk]), {}),
        (reverse("portal:invitation_open", args=[victim["invitation"].token]), {}),
        (reverse("api_token"), {"action": "revoke"}),
    ]


def test_every_post_needs_a_login(client, victim):
    before = state_of(victim["organisation"])
    organisations = Organisation.objects.count()
    for url, data in _every_post(victim):
        response = client.post(url, data)
        assert response.status_code == 302, url
    assert state_of(victim["organisation"]) == before
    assert Organisation.objects.count() == organisations
    assert not Token.objects.exists()


def test_every_post_needs_the_csrf_token(victim):
    """A cross-site form posted with the owner's session is refused before any view runs."""
    owner = victim["owner"]
    token = Token.objects.create(user=owner)
    invitee = UserFactory(email=victim["invitation"].email)
    before = state_of(victim["organisation"])
    organisations = Organisation.objects.count()
    for user in (owner, invitee):
        client = Client(enforce_csrf_checks=True)
        client.force_login(user)
        for url, data in _every_post(victim):
            response = client.post(url, data)
            assert response.status_code == 403, url
            assert b"CSRF" in response.content, url
    assert state_of(victim["organisation"]) == before
    assert Organisation.objects.count() == organisations
    assert Token.objects.get(user=owner).key == token.key
    owner.refresh_from_db()
    assert owner.first_name != "Forged"


# --- centre pages (allocations) -----------------------------------------------------------------


def test_a_centre_administrator_cannot_edit_another_centres_partition(client):
    theirs = PartitionFactory(nodes=1120)
    mine = CentreMembershipFactory(administrator=True)
    client.force_login(mine.user)
    url = reverse("allocations:partition_edit", args=[theirs.centre_id, theirs.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"nodes": 1}).status_code == 404
    # The partition's id under the administrator's own centre is not found either.
    through_mine = reverse("allocations:partition_edit", args=[mine.centre_id, theirs.pk])
    assert client.get(through_mine).status_code == 404
    assert client.post(through_mine, {"nodes": 1}).status_code == 404
    assert Partition.objects.get(pk=theirs.pk).nodes == 1120


def test_partition_editing_needs_a_login_and_the_csrf_token(client):
    partition = PartitionFactory(nodes=1120)
    url = reverse("allocations:partition_edit", args=[partition.centre_id, partition.pk])
    response = client.post(url, {"nodes": 1})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    admin = CentreMembershipFactory(administrator=True, centre=partition.centre)
    forged = Client(enforce_csrf_checks=True)
    forged.force_login(admin.user)
    response = forged.post(url, {"nodes": 1})
    assert response.status_code == 403
    assert b"CSRF" in response.content
    assert Partition.objects.get(pk=partition.pk).nodes == 1120


def test_capacity_pools_are_hidden_from_applicants(client):
    from tests.factories import CapacityPoolFactory

    pool = CapacityPoolFactory(label="Internal reserve Q3")
    client.force_login(MembershipFactory().user)
    page = client.get(reverse("allocations:centre_detail", args=[pool.partition.centre_id]))
    assert page.status_code == 200
    assert "Internal reserve Q3" not in page.content.decode()
