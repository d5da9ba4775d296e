"""Who may view, edit, submit and withdraw a proposal, and see its attachments (rules)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from applications.models import ProposalStatus
from applications.selectors.proposals import proposal_get_for_user, proposals_visible_to
from tests.factories import (
    AttachmentFactory,
    MembershipFactory,
    ProgrammeOfficerFactory,
    ProposalFactory,
    SubmittableProposalFactory,
    UserFactory,
    advance,
)

pytestmark = pytest.mark.django_db

PERMISSIONS = (
    "applications.view_proposal",
    "applications.change_proposal",
    "applications.submit_proposal",
    "applications.withdraw_proposal",
    "applications.view_attachment",
)


def perms(user, obj) -> dict[str, bool]:
    return {name.split(".")[1]: user.has_perm(name, obj) for name in PERMISSIONS}


def test_members_of_the_organisation_may_do_everything_on_a_draft():
    proposal = ProposalFactory()
    colleague = MembershipFactory(organisation=proposal.organisation).user  # not on the team
    for user in (proposal.created_by, colleague):
        assert all(perms(user, proposal).values())


def test_a_member_of_another_organisation_may_do_nothing():
    proposal_a = ProposalFactory()
    member_b = MembershipFactory().user
    assert not any(perms(member_b, proposal_a).values())
    assert not member_b.has_perm(
        "applications.view_attachment", AttachmentFactory(proposal=proposal_a)
    )
    assert proposal_a not in proposals_visible_to(user=member_b)
    with pytest.raises(Http404):
        proposal_get_for_user(user=member_b, pk=proposal_a.pk)


def test_anonymous_and_unrelated_users_may_do_nothing():
    proposal = ProposalFactory()
    for user in (AnonymousUser(), UserFactory()):
        assert not any(perms(user, proposal).values())
    assert not proposals_visible_to(user=AnonymousUser()).exists()


def test_programme_officers_do_not_see_drafts():
    draft = ProposalFactory()
    officer = ProgrammeOfficerFactory()
    assert not officer.has_perm("applications.view_proposal", draft)
    with pytest.raises(Http404):
        proposal_get_for_user(user=officer, pk=draft.pk)


def test_programme_officers_see_but_do_not_edit():
    proposal = advance(SubmittableProposalFactory(), to=ProposalStatus.SUBMITTED)
    officer = ProgrammeOfficerFactory()
    assert perms(officer, proposal) == {
        "view_proposal": True,
        "change_proposal": False,
        "submit_proposal": False,
        "withdraw_proposal": False,
        "view_attachment": True,
    }
    assert proposal_get_for_user(user=officer, pk=proposal.pk) == proposal


def test_a_submitted_proposal_cannot_be_edited_by_anyone_but_can_be_withdrawn():
    proposal = advance(SubmittableProposalFactory(), to=ProposalStatus.SUBMITTED)
    member = proposal.created_by
    assert member.has_perm("applications.view_proposal", proposal)
    assert not member.has_perm("applications.change_proposal", proposal)
    assert not member.has_perm("applications.submit_proposal", proposal)
    assert member.has_perm("applications.withdraw_proposal", proposal)
    assert not ProgrammeOfficerFactory().has_perm("applications.change_proposal", proposal)


@pytest.mark.parametrize(
    ("status", "may_withdraw"),
    [
        (ProposalStatus.DRAFT, True),
        (ProposalStatus.ELIGIBLE, True),
        (ProposalStatus.IN_REVIEW, True),
        (ProposalStatus.AWARDED, False),
        (ProposalStatus.REJECTED, False),
        (ProposalStatus.INELIGIBLE, False),
        (ProposalStatus.WITHDRAWN, False),
    ],
)
def test_withdrawal_is_allowed_until_a_decision(status, may_withdraw):
    proposal = ProposalFactory(status=status)
    assert proposal.created_by.has_perm("applications.withdraw_proposal", proposal) is may_withdraw


def test_a_member_who_leaves_the_organisation_loses_access():
    proposal = ProposalFactory()
    leaver = MembershipFactory(organisation=proposal.organisation)
    assert leaver.user.has_perm("applications.view_proposal", proposal)
    leaver.delete()
    assert not leaver.user.has_perm("applications.view_proposal", proposal)
