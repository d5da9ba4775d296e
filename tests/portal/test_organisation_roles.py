"""Owners hand over ownership from the organisation page; an organisation always keeps an owner."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from portal.models import Activity, Membership, Notification
from portal.services.organisations import membership_change_role
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def organisation():
    return OrganisationFactory(legal_name="Qubit Works GmbH")


@pytest.fixture
def owner(organisation):
    return MembershipFactory(organisation=organisation, role=Membership.Role.OWNER).user


@pytest.fixture
def member(organisation):
    return MembershipFactory(organisation=organisation).user


def _role_url(organisation, user):
    membership = Membership.objects.get(organisation=organisation, user=user)
    return reverse("portal:membership_change_role", args=[organisation.pk, membership.pk])


def _role_of(organisation, user):
    return Membership.objects.get(organisation=organisation, user=user).role


# --- Service -------------------------------------------------------------------------------------


def test_owner_makes_a_member_an_owner_logs_it_and_tells_them(organisation, owner, member):
    membership = member.memberships.get()
    membership_change_role(membership=membership, role=Membership.Role.OWNER, by=owner)
    assert _role_of(organisation, member) == Membership.Role.OWNER
    activity = Activity.objects.get(verb="membership.change_role")
    assert activity.actor == owner
    assert activity.target == organisation
    assert (activity.from_state, activity.to_state) == ("member", "owner")
    assert activity.data["email"] == member.email
    told = Notification.objects.get(template="membership_role_changed")
    assert told.recipient == member and told.to_email == member.email
    assert "You are now an owner of Qubit Works GmbH" in told.subject
    assert f"/organisations/{organisation.pk}/" in told.body_text


def test_plain_member_cannot_change_roles(organisation, owner, member):
    other = MembershipFactory(organisation=organisation)
    for target in (other, member.memberships.get(), owner.memberships.get()):
        role = Membership.Role.MEMBER if target.user == owner else Membership.Role.OWNER
        with pytest.raises(PermissionDenied):
            membership_change_role(membership=target, role=role, by=member)
    assert _role_of(organisation, owner) == Membership.Role.OWNER
    assert not organisation.memberships.filter(role=Membership.Role.OWNER).exclude(user=owner)
    assert not Activity.objects.filter(verb="membership.change_role").exists()


def test_last_owner_cannot_be_made_a_member(organisation, owner, member):
    with pytest.raises(ValidationError) as excinfo:
        membership_change_role(
            membership=owner.memberships.get(), role=Membership.Role.MEMBER, by=owner
        )
    assert excinfo.value.code == "last_owner"
    assert "always keeps an owner" in excinfo.value.messages[0]
    assert _role_of(organisation, owner) == Membership.Role.OWNER
    assert not Notification.objects.filter(template="membership_role_changed").exists()


def test_an_owner_can_step_down_once_someone_else_owns_it(organisation, owner, member):
    membership_change_role(membership=member.memberships.get(), role="owner", by=owner)
    membership_change_role(membership=owner.memberships.get(), role="member", by=owner)
    assert _role_of(organisation, owner) == Membership.Role.MEMBER
    assert _role_of(organisation, member) == Membership.Role.OWNER
    # Only the promoted member is mailed; whoever stepped down did it themselves.
    assert Notification.objects.filter(template="membership_role_changed").count() == 1


def test_demoted_owner_is_told(organisation, owner):
    second = MembershipFactory(organisation=organisation, role=Membership.Role.OWNER)
    membership_change_role(membership=second, role=Membership.Role.MEMBER, by=owner)
    told = Notification.objects.get(template="membership_role_changed", recipient=second.user)
    assert "no longer an owner" in told.subject


def test_unknown_role_is_refused(organisation, owner, member):
    with pytest.raises(ValidationError, match="Unknown role"):
        membership_change_role(membership=member.memberships.get(), role="admin", by=owner)
    assert _role_of(organisation, member) == Membership.Role.MEMBER


# --- Pages ---------------------------------------------------------------------------------------


def test_owner_promotes_a_member_from_the_page(client, organisation, owner, member):
    client.force_login(owner)
    detail = reverse("portal:organisation_detail", args=[organisation.pk])
    body = client.get(detail).content.decode()
    assert "Make owner" in body
    assert "Make member" not in body  # the sole owner cannot step down
    response = client.post(_role_url(organisation, member), {"role": "owner"}, follow=True)
    assert response.redirect_chain[-1][0] == detail
    body = response.content.decode()
    assert f"{member.display_name} is now an owner of {organisation}." in body
    assert _role_of(organisation, member) == Membership.Role.OWNER
    assert "Make member" in body  # two owners now: either may become a member


def test_plain_member_gets_403_and_nothing_changes(client, organisation, owner, member):
    client.force_login(member)
    body = client.get(reverse("portal:organisation_detail", args=[organisation.pk])).content
    assert b"Make owner" not in body and b"Make member" not in body
    assert client.post(_role_url(organisation, member), {"role": "owner"}).status_code == 403
    assert client.post(_role_url(organisation, owner), {"role": "member"}).status_code == 403
    assert _role_of(organisation, member) == Membership.Role.MEMBER
    assert _role_of(organisation, owner) == Membership.Role.OWNER
    assert not Activity.objects.filter(verb="membership.change_role").exists()


def test_outsider_gets_404_and_nothing_changes(client, organisation, owner, member):
    url = _role_url(organisation, member)
    client.force_login(UserFactory())
    assert client.post(url, {"role": "owner"}).status_code == 404
    # An owner of another organisation is an outsider here too.
    client.force_login(MembershipFactory(role=Membership.Role.OWNER).user)
    assert client.post(url, {"role": "owner"}).status_code == 404
    assert _role_of(organisation, member) == Membership.Role.MEMBER


def test_membership_of_another_organisation_is_404_for_an_owner(client, organisation, owner):
    elsewhere = MembershipFactory()
    client.force_login(owner)
    url = reverse("portal:membership_change_role", args=[organisation.pk, elsewhere.pk])
    assert client.post(url, {"role": "owner"}).status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.role == Membership.Role.MEMBER


def test_demoting_the_last_owner_from_the_page_is_refused(client, organisation, owner, member):
    client.force_login(owner)
    response = client.post(_role_url(organisation, owner), {"role": "member"}, follow=True)
    page = response.content.decode()
    assert f"is the last owner of {organisation}" in page
    assert 'role="alert"' in page
    assert _role_of(organisation, owner) == Membership.Role.OWNER


def test_last_owner_leave_message_points_to_make_owner(client, organisation, owner, member):
    client.force_login(owner)
    url = reverse("portal:membership_remove", args=[organisation.pk, owner.memberships.get().pk])
    page = client.post(url, follow=True).content.decode()
    assert f"You are the last owner of {organisation}, so you cannot leave it" in page
    assert "Make owner" in page and "administrators" not in page


def test_after_promotion_the_former_sole_owner_can_leave(client, organisation, owner, member):
    client.force_login(owner)
    client.post(_role_url(organisation, member), {"role": "owner"})
    leave = reverse("portal:membership_remove", args=[organisation.pk, owner.memberships.get().pk])
    response = client.post(leave, follow=True)
    assert f"You left {organisation}." in response.content.decode()
    assert list(organisation.memberships.values_list("user", "role")) == [
        (member.pk, Membership.Role.OWNER)
    ]
