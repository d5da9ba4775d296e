"""A conflict of interest found after the assignment (declared by the reviewer, detected, or
confirmed by the officer) takes the reviewer off the proposal: the assignment no longer counts,
its review is set aside (never shown, counted or ranked), and the officer is offered the solver's
replacement in one click."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.models import Activity
from reviews.models import ConflictType, DetectedConflict, Review, ReviewAssignment
from reviews.selectors.reviews import others_reviews, reviewer_numbers
from reviews.services.conflicts import conflict_declare, detected_conflict_decide
from tests.factories import (
    MembershipFactory,
    assigned_reviewer,
    eligible_proposal,
    pool_member,
    scoring_world,
    submitted_review,
)

pytestmark = pytest.mark.django_db
A = ReviewAssignment.Status


@pytest.fixture(autouse=True)
def _staff_without_totp(settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False


@pytest.fixture
def world():
    return scoring_world(criteria=2)


def test_a_declared_conflict_sets_the_submitted_review_aside(world, client):
    proposal = eligible_proposal(world.cutoff, title="Grid forecasting")
    first, second, third = (assigned_reviewer(proposal, officer=world.officer) for _ in range(3))
    for assignment in (first, second, third):
        submitted_review(assignment)
    client.force_login(second.reviewer)
    response = client.post(
        reverse("reviews:conflict_check", kwargs={"pk": proposal.pk}),
        {"action": "declare", "type": ConflictType.COLLABORATION, "note": "We co-wrote a paper."},
        follow=True,
    )
    assert "Your conflict is recorded" in response.content.decode()
    second.refresh_from_db()
    assert second.status == A.CONFLICTED
    assert Review.objects.get(assignment=second).status == Review.Status.SET_ASIDE
    # The reviewer no longer reaches the review, and the others no longer see it.
    review_url = reverse("reviews:review", kwargs={"pk": second.pk})
    assert client.get(review_url).status_code == 404
    assert reviewer_numbers(proposal.pk) == {first.pk: 1, third.pk: 2}
    labels = [row.label for row in others_reviews(assignment=first, own=first.review)]
    assert labels == ["Reviewer 2"]
    assert (
        Activity.objects.filter(verb="assignment.conflicted", object_id=str(proposal.pk)).count()
        == 1
    )


def test_an_organisation_conflict_takes_the_reviewer_off_its_proposals_only(world):
    proposal = eligible_proposal(world.cutoff)
    other = eligible_proposal(world.cutoff)
    reviewer = pool_member(world.cutoff.call)
    on_it = assigned_reviewer(proposal, officer=world.officer, reviewer=reviewer)
    elsewhere = assigned_reviewer(other, officer=world.officer, reviewer=reviewer)
    conflict_declare(
        reviewer=reviewer, type=ConflictType.FINANCIAL, organisation=proposal.organisation
    )
    on_it.refresh_from_db()
    elsewhere.refresh_from_db()
    assert on_it.status == A.CONFLICTED
    assert elsewhere.status == A.ASSIGNED


def test_a_detected_conflict_found_later_and_its_replacement(world, client):
    proposal = eligible_proposal(world.cutoff)
    assignment = assigned_reviewer(proposal, officer=world.officer)
    substitute = pool_member(world.cutoff.call, first_name="Sub", last_name="Stitute")
    # The reviewer joins the applying organisation after being assigned.
    MembershipFactory(organisation=proposal.organisation, user=assignment.reviewer)
    client.force_login(world.officer)
    client.post(reverse("reviews:cutoff_conflicts", kwargs={"pk": world.cutoff.pk}))
    assignment.refresh_from_db()
    assert assignment.status == A.CONFLICTED
    page = client.get(reverse("reviews:cutoff_assignment", kwargs={"pk": world.cutoff.pk}))
    html = page.content.decode()
    assert "Conflict of interest" in html
    assert "Suggested replacement: <bdi>Sub Stitute</bdi>" in html
    client.post(
        reverse("reviews:assignment_add", kwargs={"pk": world.cutoff.pk}),
        {"proposal": proposal.pk, "reviewer": substitute.pk},
    )
    assert ReviewAssignment.objects.filter(
        reviewer=substitute, proposal=proposal, status=A.ASSIGNED
    ).exists()


def test_a_dismissed_detection_leaves_the_assignment_and_a_confirmed_one_ends_it(world):
    proposal = eligible_proposal(world.cutoff)
    assignment = assigned_reviewer(proposal, officer=world.officer)
    conflict = DetectedConflict.objects.create(
        cutoff=world.cutoff,
        reviewer=assignment.reviewer,
        proposal=proposal,
        rule="email_domain",
        fact="Shares the mail domain of a team member.",
        status=DetectedConflict.Status.DISMISSED,
    )
    assignment.refresh_from_db()
    assert assignment.status == A.ASSIGNED
    detected_conflict_decide(
        conflict=conflict, by=world.officer, confirm=True, reason="Same employer after all."
    )
    assignment.refresh_from_db()
    assert assignment.status == A.CONFLICTED


def test_setting_aside_twice_changes_nothing(world):
    from reviews.services.assignment import assignments_conflicted

    proposal = eligible_proposal(world.cutoff)
    assignment = assigned_reviewer(proposal, officer=world.officer)
    pair = {(assignment.reviewer_id, proposal.pk)}
    assert len(assignments_conflicted(pairs=pair, by=None, cause="declared")) == 1
    assert assignments_conflicted(pairs=pair, by=None, cause="declared") == []


def test_a_gap_already_filled_gets_no_suggestion(world, client):
    from reviews.services.assignment import assignment_add, assignment_answer

    proposal = eligible_proposal(world.cutoff)
    assignments = [assigned_reviewer(proposal, officer=world.officer) for _ in range(3)]
    substitute = pool_member(world.cutoff.call, first_name="Sub", last_name="Stitute")
    pool_member(world.cutoff.call, first_name="Spare", last_name="Hand")
    leaving = assignments[0]
    assignment_answer(assignment=leaving, reviewer=leaving.reviewer, accept=False, reason="Away")
    client.force_login(world.officer)
    url = reverse("reviews:cutoff_assignment", kwargs={"pk": world.cutoff.pk})
    assert f'id="replacement-{leaving.pk}"' in client.get(url).content.decode()
    assignment_add(proposal=proposal, reviewer=substitute, by=world.officer)
    # Three reviewers again: the decline is history, not a gap.
    assert f'id="replacement-{leaving.pk}"' not in client.get(url).content.decode()
