"""Invitations to review: the assigned reviewer accepts, or declines with a reason (required),
from their reviews page; a decline offers the officer the solver's replacement, applied in one
click; nobody else can answer."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from applications.models import ProposalStatus
from reviews.models import ConflictType, DeclaredConflict, ReviewAssignment
from reviews.services.assignment import assignment_answer
from tests.factories import ProgrammeOfficerFactory, ProposalFactory
from tests.reviews.pool_world import large_scale_cutoff, pool_reviewer

pytestmark = pytest.mark.django_db
A = ReviewAssignment.Status


@pytest.fixture(autouse=True)
def _staff_without_totp(settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False


@pytest.fixture
def cutoff():
    return large_scale_cutoff()


def _assigned(cutoff, reviewer, **kwargs):
    proposal = ProposalFactory(
        cutoff=cutoff, status=ProposalStatus.ELIGIBLE, submitted_at=timezone.now(), **kwargs
    )
    return ReviewAssignment.objects.create(reviewer=reviewer, proposal=proposal, source="manual")


def test_accept_and_decline_with_a_reason(cutoff):
    reviewer = pool_reviewer(cutoff.call)
    first, second = _assigned(cutoff, reviewer), _assigned(cutoff, reviewer)
    assert assignment_answer(assignment=first, reviewer=reviewer, accept=True).status == A.ACCEPTED
    with pytest.raises(ValidationError) as exc:
        assignment_answer(assignment=second, reviewer=reviewer, accept=False, reason="  ")
    assert "reason" in exc.value.message_dict
    declined = assignment_answer(
        assignment=second, reviewer=reviewer, accept=False, reason="Too close to my own work"
    )
    assert declined.status == A.DECLINED and declined.decline_reason == "Too close to my own work"
    with pytest.raises(ValidationError, match="already"):
        assignment_answer(assignment=second, reviewer=reviewer, accept=True)


def test_nobody_else_answers(cutoff, client):
    reviewer = pool_reviewer(cutoff.call)
    assignment = _assigned(cutoff, reviewer)
    other = pool_reviewer(cutoff.call)
    with pytest.raises(PermissionDenied):
        assignment_answer(assignment=assignment, reviewer=other, accept=True)
    url = reverse("reviews:assignment_answer", kwargs={"pk": assignment.pk})
    for user in (other, ProgrammeOfficerFactory(), assignment.proposal.created_by):
        client.force_login(user)
        assert client.post(url, {"action": "accept"}).status_code == 404
    assignment.refresh_from_db()
    assert assignment.status == A.ASSIGNED


def test_the_reviewer_answers_from_their_page(cutoff, client):
    reviewer = pool_reviewer(cutoff.call)
    assignment = _assigned(cutoff, reviewer, title="Wind farm twin")
    client.force_login(reviewer)
    page = client.get(reverse("reviews:reviewer_home")).content.decode()
    assert "Wind farm twin" in page and f"assignment-{assignment.pk}" in page
    url = reverse("reviews:assignment_answer", kwargs={"pk": assignment.pk})
    response = client.post(url, {"action": "decline", "reason": ""}, follow=True)
    assert "Say why you decline" in response.content.decode()
    client.post(url, {"action": "decline", "reason": "On leave"})
    assignment.refresh_from_db()
    assert assignment.status == A.DECLINED
    page = client.get(reverse("reviews:reviewer_home")).content.decode()
    assert f"assignment-{assignment.pk}" not in page


def test_a_conflicted_assignment_is_never_shown_to_its_reviewer(cutoff, client):
    reviewer = pool_reviewer(cutoff.call)
    assignment = _assigned(cutoff, reviewer, title="Secret fusion model")
    DeclaredConflict.objects.create(
        reviewer=reviewer, proposal=assignment.proposal, type=ConflictType.OTHER
    )
    client.force_login(reviewer)
    assert (
        "Secret fusion model" not in client.get(reverse("reviews:reviewer_home")).content.decode()
    )


def test_a_decline_offers_the_officer_a_replacement_in_one_click(cutoff, client):
    reviewer = pool_reviewer(cutoff.call)
    substitute = pool_reviewer(cutoff.call, first_name="Sub", last_name="Stitute")
    assignment = _assigned(cutoff, reviewer)
    assignment_answer(assignment=assignment, reviewer=reviewer, accept=False, reason="On leave")
    client.force_login(ProgrammeOfficerFactory())
    url = reverse("reviews:cutoff_assignment", kwargs={"pk": cutoff.pk})
    page = client.get(url).content.decode()
    assert "Suggested replacement: <bdi>Sub Stitute</bdi>" in page
    client.post(
        reverse("reviews:assignment_add", kwargs={"pk": cutoff.pk}),
        {"proposal": assignment.proposal_id, "reviewer": substitute.pk},
    )
    assert ReviewAssignment.objects.filter(
        reviewer=substitute, proposal=assignment.proposal, status=A.ASSIGNED
    ).exists()


def test_without_a_free_reviewer_the_officer_is_told_why(cutoff, client):
    reviewer = pool_reviewer(cutoff.call)
    assignment = _assigned(cutoff, reviewer)
    assignment_answer(assignment=assignment, reviewer=reviewer, accept=False, reason="On leave")
    client.force_login(ProgrammeOfficerFactory())
    page = client.get(reverse("reviews:cutoff_assignment", kwargs={"pk": cutoff.pk}))
    assert "No replacement: Lacks 1 reviewer" in page.content.decode()
