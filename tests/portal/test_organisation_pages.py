"""Organisation pages: members see them, others get a 404; only owners change, invite, remove."""

import pytest
from django.urls import reverse

from portal.models import Invitation, Membership
from portal.services.organisations import invitation_create
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def organisation():
    return OrganisationFactory()


@pytest.fixture
def owner(organisation):
    return MembershipFactory(organisation=organisation, role=Membership.Role.OWNER).user


@pytest.fixture
def member(organisation):
    return MembershipFactory(organisation=organisation).user


def test_pages_need_a_login(client, organisation):
    for url in (
        reverse("portal:organisation_list"),
        reverse("portal:organisation_create"),
        reverse("portal:organisation_detail", args=[organisation.pk]),
        reverse("portal:profile"),
        reverse("portal:notifications"),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_organisation_list_counts_every_member(client, organisation, owner, member):
    client.force_login(member)
    body = client.get(reverse("portal:organisation_list")).content.decode()
    assert "<td>2</td>" in body


def test_member_sees_the_organisation_but_not_the_owner_tools(client, organisation, owner, member):
    client.force_login(member)
    response = client.get(reverse("portal:organisation_detail", args=[organisation.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert owner.email in body and member.email in body
    assert "Invite a teammate" not in body
    assert reverse("portal:organisation_edit", args=[organisation.pk]) not in body


def test_owner_sees_the_owner_tools(client, organisation, owner):
    client.force_login(owner)
    body = client.get(reverse("portal:organisation_detail", args=[organisation.pk])).content
    assert b"Invite a teammate" in body
    assert reverse("portal:organisation_edit", args=[organisation.pk]).encode() in body


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("portal:organisation_detail", "get"),
        ("portal:organisation_edit", "get"),
        ("portal:organisation_edit", "post"),
        ("portal:invitation_create", "post"),
    ],
)
def test_non_member_gets_404(client, organisation, owner, name, method):
    client.force_login(MembershipFactory().user)  # member of another organisation
    response = getattr(client, method)(reverse(name, args=[organisation.pk]), {"email": "a@b.eu"})
    assert response.status_code == 404
    assert not Invitation.objects.exists()


def test_non_member_cannot_revoke_or_remove(client, organisation, owner, member):
    invitation = invitation_create(organisation=organisation, by=owner, email="z@example.eu")
    client.force_login(UserFactory())
    revoke = reverse("portal:invitation_revoke", args=[organisation.pk, invitation.pk])
    remove = reverse(
        "portal:membership_remove", args=[organisation.pk, member.memberships.get().pk]
    )
    assert client.post(revoke).status_code == 404
    assert client.post(remove).status_code == 404
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.PENDING
    assert organisation.memberships.filter(user=member).exists()


def test_membership_of_another_organisation_is_404_even_for_an_owner(client, organisation, owner):
    elsewhere = MembershipFactory()
    url = reverse("portal:membership_remove", args=[organisation.pk, elsewhere.pk])
    client.force_login(owner)
    assert client.post(url).status_code == 404
    assert Membership.objects.filter(pk=elsewhere.pk).exists()


def test_member_cannot_edit_invite_revoke_or_remove(client, organisation, owner, member):
    invitation = invitation_create(organisation=organisation, by=owner, email="z@example.eu")
    client.force_login(member)
    assert (
        client.get(reverse("portal:organisation_edit", args=[organisation.pk])).status_code == 403
    )
    response = client.post(
        reverse("portal:invitation_create", args=[organisation.pk]), {"email": "new@example.eu"}
    )
    assert response.status_code == 403
    assert not Invitation.objects.filter(email="new@example.eu").exists()
    assert (
        client.post(
            reverse("portal:invitation_revoke", args=[organisation.pk, invitation.pk])
        ).status_code
        == 403
    )
    owner_membership = owner.memberships.get()
    response = client.post(
        reverse("portal:membership_remove", args=[organisation.pk, owner_membership.pk])
    )
    assert response.status_code == 403
    assert Membership.objects.filter(pk=owner_membership.pk).exists()


def test_owner_invites_from_the_page_and_sees_the_pending_invitation(client, organisation, owner):
    client.force_login(owner)
    response = client.post(
        reverse("portal:invitation_create", args=[organisation.pk]),
        {"email": "newcomer@example.eu"},
        follow=True,
    )
    body = response.content.decode()
    assert "An invitation was sent to newcomer@example.eu" in body
    assert "newcomer@example.eu" in body and "Revoke" in body


def test_bad_invitation_email_is_an_error_on_the_field_and_is_kept(client, organisation, owner):
    client.force_login(owner)
    url = reverse("portal:invitation_create", args=[organisation.pk])
    response = client.post(url, {"email": "not-an-address"})
    assert response.status_code == 400
    assert "Enter a valid email address" in response.content.decode()
    assert 'value="not-an-address"' in response.content.decode()
    response = client.post(url, {"email": owner.email})
    assert "is already a member" in response.content.decode()


def test_owner_removes_a_member_from_the_page(client, organisation, owner, member):
    client.force_login(owner)
    url = reverse("portal:membership_remove", args=[organisation.pk, member.memberships.get().pk])
    response = client.post(url, follow=True)
    assert "was removed from" in response.content.decode()
    assert not organisation.memberships.filter(user=member).exists()


def test_last_owner_is_told_they_cannot_leave(client, organisation, owner):
    client.force_login(owner)
    url = reverse("portal:membership_remove", args=[organisation.pk, owner.memberships.get().pk])
    response = client.post(url, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse(
        "portal:organisation_detail", args=[organisation.pk]
    )
    page = response.content.decode()
    assert f"You are the last owner of {organisation}, so you cannot leave it" in page
    assert 'role="alert"' in page  # shown as an error, not a silent no-op
    assert organisation.memberships.filter(user=owner, role=Membership.Role.OWNER).exists()


def test_last_owner_may_leave_once_someone_else_owns_it_too(client, organisation, owner):
    MembershipFactory(organisation=organisation, role=Membership.Role.OWNER)
    client.force_login(owner)
    url = reverse("portal:membership_remove", args=[organisation.pk, owner.memberships.get().pk])
    response = client.post(url, follow=True)
    assert f"You left {organisation}." in response.content.decode()
    assert not organisation.memberships.filter(user=owner).exists()


def test_invitation_link_lets_the_matching_user_join(client, organisation, owner):
    invitation = invitation_create(organisation=organisation, by=owner, email="mia@example.eu")
    url = reverse("portal:invitation_open", args=[invitation.token])
    assert "Sign up" in client.get(url).content.decode()  # anonymous visitor

    client.force_login(UserFactory(email="someone.else@example.eu"))
    page = client.get(url).content.decode()
    assert "you are logged in as someone.else@example.eu" in page
    client.post(url)
    assert not organisation.memberships.filter(user__email="someone.else@example.eu").exists()

    mia = UserFactory(email="mia@example.eu")
    client.force_login(mia)
    assert f"Join {organisation}" in client.get(url).content.decode()
    response = client.post(url)
    assert response["Location"] == reverse("portal:organisation_detail", args=[organisation.pk])
    assert organisation.memberships.filter(user=mia).exists()


def test_organisation_list_shows_own_organisations_and_waiting_invitations(
    client, organisation, owner
):
    other = OrganisationFactory(legal_name="Elsewhere BV")
    invitee = UserFactory()
    MembershipFactory(user=invitee, organisation=OrganisationFactory(legal_name="Mine Oy"))
    invitation_create(organisation=organisation, by=owner, email=invitee.email)
    client.force_login(invitee)
    body = client.get(reverse("portal:organisation_list")).content.decode()
    assert "Mine Oy" in body
    assert "<td>1</td>" in body  # its member count
    assert "Invitations waiting for you" in body and organisation.legal_name in body
    assert other.legal_name not in body
