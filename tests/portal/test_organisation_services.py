"""Membership and invitations: who joins, when, and what is logged and mailed."""

from datetime import date
from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from portal.models import Activity, Invitation, Membership, Notification
from portal.services.organisations import (
    invitation_accept,
    invitation_create,
    invitation_revoke,
    invitations_accept_pending,
    membership_remove,
    organisation_create,
    organisation_update,
)
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

FACTS = {
    "legal_name": "Lumen Robotics SRL",
    "country": "BE",
    "registration_number": "0403.019.261",
    "vat_number": "BE0403019261",
    "founded_on": date(2021, 2, 1),
    "website": "",
    "employees": 30,
    "annual_turnover_eur": Decimal("2500000"),
    "balance_sheet_eur": Decimal("1000000"),
}


@pytest.fixture
def owned():
    membership = MembershipFactory(role=Membership.Role.OWNER)
    return membership.organisation, membership.user


def test_create_makes_the_creator_owner_and_logs_it():
    founder = UserFactory()
    organisation = organisation_create(by=founder, facts=FACTS)
    assert organisation.registration_number == "0403019261"  # canonical form
    assert organisation.memberships.get().user == founder
    assert organisation.memberships.get().role == Membership.Role.OWNER
    activity = Activity.objects.get(verb="organisation.create")
    assert activity.actor == founder
    assert activity.target == organisation


def test_create_validates_the_facts_itself():
    with pytest.raises(ValidationError) as excinfo:
        organisation_create(by=UserFactory(), facts={**FACTS, "vat_number": "NL004495445B01"})
    assert "vat_number" in excinfo.value.message_dict


def test_update_logs_the_changed_fields_and_the_status_change(owned):
    organisation, owner = owned
    changed = organisation_update(
        organisation=organisation, by=owner, facts={"employees": 300, "legal_name": "Bigger AG"}
    )
    assert changed == ["employees", "legal_name"]
    activity = Activity.objects.get(verb="organisation.update")
    assert activity.from_state == "startup"
    assert activity.to_state == "large"
    assert activity.data["changes"]["employees"] == [12, 300]


def test_member_cannot_update(owned):
    organisation, _ = owned
    member = MembershipFactory(organisation=organisation).user
    with pytest.raises(PermissionDenied):
        organisation_update(organisation=organisation, by=member, facts={"employees": 1})


def test_invitation_is_mailed_through_the_outbox_with_a_link(owned):
    organisation, owner = owned
    invitation = invitation_create(organisation=organisation, by=owner, email="Ada@Example.EU ")
    assert invitation.email == "ada@example.eu"
    notification = Notification.objects.get(template="invitation_created")
    assert notification.to_email == "ada@example.eu"
    link = reverse("portal:invitation_open", kwargs={"token": invitation.token})
    assert link in notification.body_text
    assert link in notification.body_html
    assert organisation.legal_name in notification.subject
    assert Activity.objects.filter(verb="invitation.create", data__email=invitation.email).exists()


def test_invitation_mail_is_sent_once(owned, django_capture_on_commit_callbacks, mailoutbox):
    organisation, owner = owned
    with django_capture_on_commit_callbacks(execute=True):
        invitation_create(organisation=organisation, by=owner, email="grace@example.eu")
    assert [m.to for m in mailoutbox] == [["grace@example.eu"]]
    assert "/invitations/" in mailoutbox[0].body


def test_member_cannot_invite(owned):
    organisation, _ = owned
    member = MembershipFactory(organisation=organisation).user
    with pytest.raises(PermissionDenied):
        invitation_create(organisation=organisation, by=member, email="x@example.eu")
    assert not Invitation.objects.exists()


def test_inviting_twice_or_inviting_a_member_is_refused(owned):
    organisation, owner = owned
    invitation_create(organisation=organisation, by=owner, email="lin@example.eu")
    with pytest.raises(ValidationError, match="already been invited"):
        invitation_create(organisation=organisation, by=owner, email="LIN@example.eu")
    with pytest.raises(ValidationError, match="already a member"):
        invitation_create(organisation=organisation, by=owner, email=owner.email)


def test_invitee_with_a_verified_address_joins_and_the_inviter_is_told(owned):
    organisation, owner = owned
    invitation = invitation_create(organisation=organisation, by=owner, email="kai@example.eu")
    kai = UserFactory(email="kai@example.eu")
    membership = invitation_accept(invitation=invitation, user=kai)
    assert membership.role == Membership.Role.MEMBER
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.ACCEPTED
    assert invitation.accepted_by == kai
    told = Notification.objects.get(template="invitation_accepted")
    assert told.recipient == owner
    assert Activity.objects.filter(verb="invitation.accept", actor=kai).exists()


def test_invitation_cannot_be_taken_by_another_address_or_unverified_one(owned):
    organisation, owner = owned
    invitation = invitation_create(organisation=organisation, by=owner, email="kai@example.eu")
    with pytest.raises(PermissionDenied):
        invitation_accept(invitation=invitation, user=UserFactory(email="mallory@example.eu"))
    unverified = UserFactory(email="kai@example.eu", verified=False)
    EmailAddress.objects.create(user=unverified, email="kai@example.eu", verified=False)
    with pytest.raises(PermissionDenied):
        invitation_accept(invitation=invitation, user=unverified)
    assert not organisation.memberships.filter(user=unverified).exists()


def test_pending_invitations_for_all_verified_addresses_are_accepted_at_once():
    first, second = OrganisationFactory(), OrganisationFactory()
    inviter = UserFactory()
    for organisation in (first, second):
        MembershipFactory(organisation=organisation, user=inviter, role=Membership.Role.OWNER)
    invitation_create(organisation=first, by=inviter, email="sam@example.eu")
    invitation_create(organisation=second, by=inviter, email="sam@work.example.eu")
    sam = UserFactory(email="sam@example.eu")
    EmailAddress.objects.create(user=sam, email="sam@work.example.eu", verified=True)
    joined = invitations_accept_pending(user=sam)
    assert {m.organisation for m in joined} == {first, second}
    assert invitations_accept_pending(user=sam) == []


def test_revoked_invitation_cannot_be_accepted(owned):
    organisation, owner = owned
    invitation = invitation_create(organisation=organisation, by=owner, email="kai@example.eu")
    invitation_revoke(invitation=invitation, by=owner)
    kai = UserFactory(email="kai@example.eu")
    with pytest.raises(ValidationError, match="revoked"):
        invitation_accept(invitation=invitation, user=kai)
    assert invitations_accept_pending(user=kai) == []
    assert Activity.objects.filter(verb="invitation.revoke").exists()
    # A new invitation to the same address may be sent after a revoked one.
    assert invitation_create(organisation=organisation, by=owner, email="kai@example.eu")


def test_member_cannot_revoke(owned):
    organisation, owner = owned
    invitation = invitation_create(organisation=organisation, by=owner, email="kai@example.eu")
    member = MembershipFactory(organisation=organisation).user
    with pytest.raises(PermissionDenied):
        invitation_revoke(invitation=invitation, by=member)


def test_owner_removes_a_member_and_a_member_may_leave(owned):
    organisation, owner = owned
    member = MembershipFactory(organisation=organisation)
    leaver = MembershipFactory(organisation=organisation)
    membership_remove(membership=member, by=owner)
    membership_remove(membership=leaver, by=leaver.user)
    assert list(organisation.memberships.values_list("user", flat=True)) == [owner.pk]
    assert Activity.objects.filter(verb="membership.remove").count() == 2


def test_member_cannot_remove_another_member(owned):
    organisation, owner = owned
    member = MembershipFactory(organisation=organisation)
    other = MembershipFactory(organisation=organisation)
    with pytest.raises(PermissionDenied):
        membership_remove(membership=other, by=member.user)
    with pytest.raises(PermissionDenied):
        membership_remove(membership=owner.memberships.get(), by=member.user)


def test_last_owner_cannot_be_removed(owned):
    organisation, owner = owned
    with pytest.raises(ValidationError, match="last owner"):
        membership_remove(membership=owner.memberships.get(), by=owner)
    second = MembershipFactory(organisation=organisation, role=Membership.Role.OWNER)
    membership_remove(membership=owner.memberships.get(), by=second.user)
    assert not organisation.memberships.filter(user=owner).exists()
