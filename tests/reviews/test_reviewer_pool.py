"""The reviewer pool: profiles (ORCID checksum, size limits), officers' invitations by email,
joining on login, on signup and by the mail's link, declining, removal, the confidentiality terms
once per call, the reviewer's page and API, and who may do none of it."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from portal.models import Activity, Notification, User
from portal.models.accounts import REVIEWER_GROUP
from portal.roles import is_reviewer
from reviews.models import PoolInvitation, PoolMembership, ReviewAssignment, ReviewerProfile
from reviews.models.pool import orcid_checksum_ok
from reviews.services.pool import (
    pool_invitation_accept,
    pool_invitation_decline,
    pool_invite,
    pool_member_remove,
    pool_terms_accept,
    reviewer_profile_update,
)
from tests.factories import (
    CentreMembershipFactory,
    ProgrammeOfficerFactory,
    ReviewerFactory,
    UserFactory,
)
from tests.factories.portal import PASSWORD
from tests.reviews.pool_world import large_scale_cutoff, pool_reviewer, submitted_proposal

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _staff_without_totp(settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False


@pytest.fixture
def call():
    return large_scale_cutoff().call


@pytest.fixture
def officer():
    return ProgrammeOfficerFactory()


# --- profile ----------------------------------------------------------------------------------


def test_orcid_checksum():
    assert orcid_checksum_ok("0000-0002-1825-0097")
    assert orcid_checksum_ok("0000-0002-1694-233X")
    assert not orcid_checksum_ok("0000-0002-1825-0098")


def test_the_profile_keeps_employers_and_refuses_bad_values():
    reviewer = ReviewerFactory()
    profile = reviewer_profile_update(
        user=reviewer,
        values={"expertise_keywords": ["LLM", "HPC"], "email_domains": ["@Lab.EU"], "max_load": 5},
        employers=[{"name": "Helix GmbH", "registration_number": "HRB 1", "from_year": 2010}],
    )
    assert profile.email_domains == ["lab.eu"]
    assert profile.past_employers.get().years == "2010–now"
    with pytest.raises(ValidationError, match="check digit"):
        reviewer_profile_update(user=reviewer, values={"orcid": "0000-0002-1825-0098"})
    with pytest.raises(ValidationError):
        reviewer_profile_update(user=reviewer, values={"expertise_keywords": ["x" * 101]})
    with pytest.raises(ValidationError):
        reviewer_profile_update(
            user=reviewer, values={}, employers=[{"name": "A", "from_year": 2015, "to_year": 2010}]
        )
    with pytest.raises(PermissionDenied):
        reviewer_profile_update(user=UserFactory(), values={"max_load": 3})


def test_the_profile_page_saves_and_keeps_input_on_error(client):
    reviewer = ReviewerFactory()
    client.force_login(reviewer)
    url = reverse("reviews:reviewer_profile")
    form = {
        "expertise_keywords": "LLM, vision",
        "expertise_fields": "Computer science",
        "affiliation": "Uni Somewhere",
        "email_domains": "uni-somewhere.eu",
        "orcid": "0000-0002-1825-0098",
        "max_load": "6",
        "past_employers-TOTAL_FORMS": "1",
        "past_employers-INITIAL_FORMS": "0",
        "past_employers-0-name": "Helix Robotics GmbH",
        "past_employers-0-registration_number": "HRB 4711",
        "past_employers-0-from_year": "2012",
        "past_employers-0-to_year": "2016",
    }
    response = client.post(url, form)
    page = response.content.decode()
    assert response.status_code == 200 and "check digit" in page and "Uni Somewhere" in page
    form["orcid"] = "0000-0002-1825-0097"
    assert client.post(url, form).status_code == 302
    profile = ReviewerProfile.objects.get(user=reviewer)
    assert profile.expertise_keywords == ["LLM", "vision"]
    assert profile.past_employers.get().name == "Helix Robotics GmbH"
    assert "Helix Robotics GmbH" in client.get(url).content.decode()


# --- invitations ------------------------------------------------------------------------------


def test_an_officer_invites_by_email_and_the_mail_carries_the_link(call, officer):
    invitation = pool_invite(call=call, by=officer, email=" New.Reviewer@Lab.eu ")
    assert invitation.email == "new.reviewer@lab.eu"
    notification = Notification.objects.get(to_email="new.reviewer@lab.eu")
    assert str(invitation.token) in notification.body_text and call.title in notification.subject
    with pytest.raises(ValidationError, match="already invited"):
        pool_invite(call=call, by=officer, email="new.reviewer@lab.eu")
    for user in (UserFactory(is_superuser=True, is_staff=True), ReviewerFactory()):
        with pytest.raises(PermissionDenied):
            pool_invite(call=call, by=user, email="x@lab.eu")


def test_an_invitee_joins_on_login_and_becomes_a_reviewer(client, call, officer):
    invitee = UserFactory(email="old@lab.eu")
    assert not is_reviewer(invitee)
    pool_invite(call=call, by=officer, email="old@lab.eu")
    client.post(reverse("account_login"), {"login": "old@lab.eu", "password": PASSWORD})
    invitee = User.objects.get(pk=invitee.pk)
    membership = PoolMembership.objects.get(user=invitee, call=call)
    assert membership.terms_accepted_at is None and is_reviewer(invitee)
    assert PoolInvitation.objects.get().status == PoolInvitation.Status.ACCEPTED
    assert Activity.objects.filter(verb="reviewer_pool.accept", audience="staff").exists()


def test_an_invitee_joins_on_signup_once_the_address_is_confirmed(
    client, call, officer, django_capture_on_commit_callbacks
):
    pool_invite(call=call, by=officer, email="fresh@lab.eu")
    password = "a long and unusual passphrase 42"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("account_signup"),
            {"email": "fresh@lab.eu", "password1": password, "password2": password},
        )
    assert not PoolMembership.objects.exists()
    body = [m for m in mail.outbox if "fresh@lab.eu" in m.to][-1].body
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", body).group(1)
    client.post(link)
    user = User.objects.get(email="fresh@lab.eu")
    assert PoolMembership.objects.get(call=call).user == user
    assert user.groups.filter(name=REVIEWER_GROUP).exists()


def test_the_mail_link_lets_its_holder_accept_or_decline(client, call, officer):
    invitation = pool_invite(call=call, by=officer, email="alias@lab.eu")
    other_address = UserFactory(email="main@lab.eu")
    client.force_login(other_address)
    url = reverse("reviews:pool_invitation_open", kwargs={"token": invitation.token})
    assert call.title in client.get(url).content.decode()
    response = client.post(url, {"action": "accept"})
    assert response["Location"] == reverse("reviews:pool_terms", kwargs={"pk": call.pk})
    assert PoolMembership.objects.get().user == other_address
    assert "already accepted" in client.get(url).content.decode()


def test_without_the_link_only_the_invited_address_may_answer(call, officer):
    invitation = pool_invite(call=call, by=officer, email="someone@lab.eu")
    with pytest.raises(PermissionDenied):
        pool_invitation_accept(invitation=invitation, user=UserFactory(email="x@lab.eu"))
    invitee = UserFactory(email="someone@lab.eu")
    pool_invitation_decline(invitation=invitation, user=invitee)
    invitation.refresh_from_db()
    assert invitation.status == PoolInvitation.Status.DECLINED and invitation.user == invitee
    with pytest.raises(ValidationError, match="already declined"):
        pool_invitation_accept(invitation=invitation, user=invitee)
    # Invited again after declining: a new link.
    again = pool_invite(call=call, by=officer, email="someone@lab.eu")
    assert again.status == PoolInvitation.Status.INVITED and again.token != invitation.token


def test_a_logged_in_reviewer_answers_on_their_page(client, call, officer):
    reviewer = ReviewerFactory(email="r@lab.eu")
    invitation = pool_invite(call=call, by=officer, email="r@lab.eu")
    client.force_login(reviewer)
    home = client.get(reverse("reviews:reviewer_home")).content.decode()
    assert 'id="pool-invitations"' in home and call.title in home
    answer = reverse("reviews:pool_invitation_answer", kwargs={"pk": invitation.pk})
    client.post(answer, {"action": "decline"})
    assert PoolInvitation.objects.get().status == "declined"
    # Someone else's invitation is not theirs to answer.
    other = pool_invite(call=call, by=officer, email="else@lab.eu")
    answer = reverse("reviews:pool_invitation_answer", kwargs={"pk": other.pk})
    assert client.post(answer, {"action": "accept"}).status_code == 404


def test_the_officer_sees_each_status_and_removes_a_reviewer(client, call, officer):
    accepted = pool_invite(call=call, by=officer, email="yes@lab.eu")
    pool_invitation_accept(invitation=accepted, user=UserFactory(email="yes@lab.eu"))
    declined = pool_invite(call=call, by=officer, email="no@lab.eu")
    pool_invitation_decline(invitation=declined, user=UserFactory(email="no@lab.eu"))
    pool_invite(call=call, by=officer, email="maybe@lab.eu")
    client.force_login(officer)
    url = reverse("reviews:reviewer_pool", kwargs={"pk": call.pk})
    page = client.get(url).content.decode()
    for status in ("Accepted", "Declined", "Invited"):
        assert status in page
    response = client.post(url, {"email": "not an address"})
    assert response.status_code == 200 and "not an address" in response.content.decode()
    client.post(reverse("reviews:reviewer_pool_remove", kwargs={"pk": accepted.pk}))
    assert not PoolMembership.objects.exists()
    assert PoolInvitation.objects.get(pk=accepted.pk).status == "removed"
    api = client.get(reverse("reviews_api:call_pool", kwargs={"id": call.pk})).json()
    assert {row["email"]: row["status"] for row in api} == {
        "yes@lab.eu": "removed",
        "no@lab.eu": "declined",
        "maybe@lab.eu": "invited",
    }
    with pytest.raises(ValidationError):
        pool_member_remove(invitation=accepted, by=officer)


# --- terms ------------------------------------------------------------------------------------


def test_the_terms_are_accepted_once_per_call_before_any_proposal_shows(client, call):
    proposal = submitted_proposal(call.cutoffs.get(), title="Hidden until terms")
    reviewer = pool_reviewer(call, terms=False)
    client.force_login(reviewer)
    home = client.get(reverse("reviews:reviewer_home")).content.decode()
    assert "Hidden until terms" not in home and 'id="terms-to-accept"' in home
    check = reverse("reviews:conflict_check", kwargs={"pk": proposal.pk})
    assert client.get(check).status_code == 404
    terms = reverse("reviews:pool_terms", kwargs={"pk": call.pk})
    client.post(terms)
    first = PoolMembership.objects.get().terms_accepted_at
    assert first is not None
    pool_terms_accept(call=call, user=reviewer)
    assert PoolMembership.objects.get().terms_accepted_at == first
    assert Activity.objects.filter(verb="reviewer_pool.terms_accept").count() == 1
    assert "Hidden until terms" in client.get(reverse("reviews:reviewer_home")).content.decode()
    assert client.get(check).status_code == 200
    # Another call's terms are another matter.
    other = large_scale_cutoff().call
    with pytest.raises(PermissionDenied):
        pool_terms_accept(call=other, user=reviewer)
    assert client.get(reverse("reviews:pool_terms", kwargs={"pk": other.pk})).status_code == 404


# --- permissions: pages and API ---------------------------------------------------------------


def _person(kind: str, call):
    return {
        "applicant": lambda: submitted_proposal(call.cutoffs.get()).created_by,
        "assessor": lambda: CentreMembershipFactory().user,
        "other_reviewer": lambda: pool_reviewer(large_scale_cutoff().call),
        "superuser": lambda: UserFactory(is_superuser=True, is_staff=True),
    }[kind]()


@pytest.mark.parametrize("kind", ["applicant", "assessor", "other_reviewer", "superuser"])
def test_only_officers_manage_a_pool_in_pages_and_api(client, call, officer, kind):
    invitation = pool_invite(call=call, by=officer, email="x@lab.eu")
    client.force_login(_person(kind, call))
    assert client.get(reverse("reviews:reviewer_pool", kwargs={"pk": call.pk})).status_code == 404
    page = reverse("reviews:reviewer_pool", kwargs={"pk": call.pk})
    assert client.post(page, {"email": "y@lab.eu"}).status_code == 404
    remove = reverse("reviews:reviewer_pool_remove", kwargs={"pk": invitation.pk})
    assert client.post(remove).status_code == 404
    assert client.get(reverse("reviews_api:call_pool", kwargs={"id": call.pk})).status_code == 404
    assert PoolInvitation.objects.count() == 1


@pytest.mark.parametrize("kind", ["applicant", "assessor", "superuser"])
def test_non_reviewers_have_no_reviewer_pages_or_api(client, call, kind):
    client.force_login(_person(kind, call))
    for name in ("reviewer_home", "reviewer_profile", "conflict_declare"):
        assert client.get(reverse(f"reviews:{name}")).status_code == 404, name
    for name in ("reviewer_pools", "reviewer_conflicts"):
        assert client.get(reverse(f"reviews_api:{name}")).status_code == 404, name


def test_the_reviewer_api_lists_pools_invitations_and_declares(client, call, officer):
    reviewer = pool_reviewer(call, email="api@lab.eu")
    other_call = large_scale_cutoff().call
    pool_invite(call=other_call, by=officer, email="api@lab.eu")
    proposal = submitted_proposal(call.cutoffs.get())
    foreign = submitted_proposal(other_call.cutoffs.get())
    client.force_login(reviewer)
    body = client.get(reverse("reviews_api:reviewer_pools")).json()
    assert [p["call"] for p in body["pools"]] == [call.pk]
    assert [i["call"] for i in body["invitations"]] == [other_call.pk]
    url = reverse("reviews_api:reviewer_conflicts")
    response = client.post(
        url, {"organisation": proposal.organisation_id, "type": "competitor"}, "application/json"
    )
    assert response.status_code == 201, response.json()
    # An organisation of a call they do not review for: nothing to say about it.
    response = client.post(
        url, {"organisation": foreign.organisation_id, "type": "other"}, "application/json"
    )
    assert response.status_code == 404
    both = {"organisation": proposal.organisation_id, "proposal": proposal.pk, "type": "other"}
    assert client.post(url, both, "application/json").status_code == 400
    again = {"organisation": proposal.organisation_id, "type": "other"}
    assert client.post(url, again, "application/json").status_code == 400
    assert [c["type"] for c in client.get(url).json()] == ["competitor"]


def test_joining_two_pools_adds_the_reviewer_group_once(call, officer):
    user = UserFactory(email="twice@lab.eu")
    for c in (call, large_scale_cutoff().call):
        pool_invitation_accept(
            invitation=pool_invite(call=c, by=officer, email=user.email), user=user
        )
    assert user.groups.filter(name=REVIEWER_GROUP).count() == 1
    assert Group.objects.filter(name=REVIEWER_GROUP).count() == 1


@pytest.mark.parametrize("n", [1, 50])
def test_the_reviewer_page_costs_the_same_for_1_and_50(client, n, django_assert_num_queries):
    from reviews.services.conflicts import conflict_declare

    cutoff = large_scale_cutoff()
    reviewer = pool_reviewer(cutoff.call, email="many@lab.eu")
    officer = ProgrammeOfficerFactory()
    for _ in range(n):
        other_call = large_scale_cutoff().call
        PoolMembership.objects.create(call=other_call, user=reviewer)
        pool_invite(call=large_scale_cutoff().call, by=officer, email="many@lab.eu")
        assigned = submitted_proposal(cutoff)
        ReviewAssignment.objects.create(reviewer=reviewer, proposal=assigned, source="manual")
        declared = submitted_proposal(cutoff)
        conflict_declare(reviewer=reviewer, organisation=declared.organisation, type="other")
    client.force_login(reviewer)
    url = reverse("reviews:reviewer_home")
    client.get(url)
    with django_assert_num_queries(QUERIES_REVIEWER_HOME):
        page = client.get(url).content.decode()
    assert page.count('href="/evaluation/reviews/proposals/') == n
    assert page.count('id="assignment-') == n


# Measured; the same for 1 and 50 pools, invitations, proposals to check and declarations.
QUERIES_REVIEWER_HOME = 16


def test_joining_twice_with_two_addresses_is_one_membership_removed_at_once(call, officer):
    user = UserFactory(email="first@lab.eu")
    first = pool_invite(call=call, by=officer, email="first@lab.eu")
    second = pool_invite(call=call, by=officer, email="second@lab.eu")
    pool_invitation_accept(invitation=first, user=user)
    pool_invitation_accept(invitation=second, user=user, via_token=True)
    assert PoolMembership.objects.get().invitation == first
    pool_member_remove(invitation=second, by=officer)
    assert not PoolMembership.objects.exists()


def test_only_peer_reviewed_calls_have_a_pool(officer):
    from applications.modes import AccessMode
    from tests.factories import CallFactory

    with pytest.raises(ValidationError, match="decided without reviewers"):
        pool_invite(call=CallFactory(mode=AccessMode.FAST_LANE), by=officer, email="x@lab.eu")
