"""Reviews: assigning sets a deadline and takes the proposal into review; the reviewer saves a
draft (scale bounds, version conflicts), submits once (weighted total, late after the deadline),
then sees the other reviews as "Reviewer N"; nobody else reaches a review, by page or API;
reminders go out once each at 7 and 2 days before and when overdue."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from applications.models import ProposalStatus
from applications.services.proposals import EditConflict
from portal.models import Notification
from reviews.models import ConflictType, PeerReviewSettings, Review, ReviewAssignment
from reviews.services.conflicts import conflict_declare
from reviews.services.reviews import review_reminders_send, review_save, review_submit
from tests.factories import (
    CentreMembershipFactory,
    ProgrammeOfficerFactory,
    ReviewerFactory,
    assigned_reviewer,
    draft_review,
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
    return scoring_world(criteria=2, weights=[Decimal("1"), Decimal("2.5")])


def _url(assignment, name="reviews:review"):
    return reverse(name, kwargs={"pk": assignment.pk})


def _api(assignment, suffix=""):
    name = "reviews_api:reviewer_review_submit" if suffix else "reviews_api:reviewer_review"
    return reverse(name, kwargs={"id": assignment.pk})


# --- assignment -> review ------------------------------------------------------------------------


def test_assigning_sets_the_deadline_and_takes_the_proposal_into_review(world):
    PeerReviewSettings.objects.create(call=world.cutoff.call, review_days=10)
    proposal = eligible_proposal(world.cutoff)
    with time_machine.travel("2027-03-01 10:00 +00:00", tick=False):
        assignment = assigned_reviewer(proposal, officer=world.officer)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.IN_REVIEW
    local = timezone.localtime(assignment.deadline, timezone=_zone(world.cutoff.call))
    assert (local.date().isoformat(), local.hour, local.minute) == ("2027-03-11", 23, 59)
    # A second reviewer on a proposal already in review leaves it there.
    assigned_reviewer(proposal, officer=world.officer)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.IN_REVIEW


def _zone(call):
    import zoneinfo

    return zoneinfo.ZoneInfo(call.display_timezone)


# --- services ------------------------------------------------------------------------------------


def test_scores_stay_within_the_scale_and_the_rest_is_saved_by_the_page(world, client):
    assignment = assigned_reviewer(eligible_proposal(world.cutoff), officer=world.officer)
    first, second = world.criteria
    with pytest.raises(ValidationError) as exc:
        draft_review(assignment, **{f"score_{first.pk}": 6, f"score_{second.pk}": "2.5"})
    assert "outside the scale" in exc.value.message_dict[f"score_{first.pk}"][0]
    assert "whole number" in exc.value.message_dict[f"score_{second.pk}"][0]
    # All or nothing: not even the draft was created.
    assert not Review.objects.filter(assignment=assignment).exists()
    # The page keeps the refused value with its error and saves the others.
    client.force_login(assignment.reviewer)
    response = client.post(
        _url(assignment),
        {
            "version": "1",
            f"score_{first.pk}": "9",
            f"score_{second.pk}": "3",
            "comment_to_panel": "Keep me",
            "action": "save",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "outside the scale" in page and "Keep me" in page
    review = Review.objects.get(assignment=assignment)
    assert review.comment_to_panel == "Keep me"
    assert {s.criterion_id: s.score for s in review.scores.all()} == {first.pk: None, second.pk: 3}


def test_submission_needs_every_score_confidence_and_recommendation_and_stores_the_total(world):
    assignment = assigned_reviewer(eligible_proposal(world.cutoff), officer=world.officer)
    first, second = world.criteria
    draft_review(assignment, **{f"score_{first.pk}": 4})
    with pytest.raises(ValidationError) as exc:
        review_submit(assignment=assignment, reviewer=assignment.reviewer)
    assert set(exc.value.message_dict) == {f"score_{second.pk}", "confidence", "recommendation"}
    review = submitted_review(assignment, scores={first.pk: 4, second.pk: 3})
    assert review.is_submitted and review.weighted_total == Decimal("4") + Decimal("7.5")
    assignment.refresh_from_db()
    assert assignment.status == A.SUBMITTED
    # Submitted is final: no second submission, no save.
    with pytest.raises(ValidationError, match="submitted"):
        review_submit(assignment=assignment, reviewer=assignment.reviewer)
    with pytest.raises(ValidationError, match="submitted"):
        draft_review(assignment, comment_to_panel="Changed my mind")


def test_a_save_based_on_an_older_version_is_refused(world):
    assignment = assigned_reviewer(eligible_proposal(world.cutoff), officer=world.officer)
    review = draft_review(assignment, comment_to_panel="First tab")
    stale = review.version - 1
    with pytest.raises(EditConflict) as exc:
        review_save(
            assignment=assignment,
            reviewer=assignment.reviewer,
            values={"comment_to_panel": "Second tab"},
            expected_version=stale,
        )
    assert "another tab" in exc.value.messages[0]
    assert Review.objects.get(pk=review.pk).comment_to_panel == "First tab"


def test_a_late_submission_is_accepted_and_marked_late_for_the_officer(world, client):
    assignment = assigned_reviewer(eligible_proposal(world.cutoff), officer=world.officer)
    late = assignment.deadline + timedelta(hours=1)
    review = submitted_review(assignment, now=late)
    assert review.submitted_at == late
    client.force_login(world.officer)
    page = client.get(reverse("reviews:cutoff_reviews", kwargs={"pk": world.cutoff.pk}))
    row = page.content.decode().split(f'id="progress-{assignment.pk}"')[1].split("</tr>")[0]
    assert "Submitted" in row and "Late" in row


# --- who may see what ----------------------------------------------------------------------------


def test_others_reviews_are_hidden_until_submission_then_numbered(world, client):
    proposal = eligible_proposal(world.cutoff, title="Numbered proposal")
    first, second, third = (assigned_reviewer(proposal, officer=world.officer) for _ in range(3))
    submitted_review(first, comments={world.criteria[0].pk: "Comment from the first"})
    submitted_review(third, comments={world.criteria[0].pk: "Comment from the third"})
    client.force_login(second.reviewer)
    page = client.get(_url(second)).content.decode()
    assert "Comment from the first" not in page and "Reviewer 1" not in page
    api = client.get(_api(second)).json()
    assert api["others"] == []
    submitted_review(second)
    page = client.get(_url(second)).content.decode()
    assert "Reviewer 1" in page and "Reviewer 3" in page and "Reviewer 2" not in page
    assert "Comment from the first" in page and "Comment from the third" in page
    for other in (first.reviewer, third.reviewer):
        assert other.email not in page and other.display_name not in page
    labels = [o["label"] for o in client.get(_api(second)).json()["others"]]
    assert labels == ["Reviewer 1", "Reviewer 3"]


def test_the_call_can_keep_other_reviews_hidden(world, client):
    PeerReviewSettings.objects.create(call=world.cutoff.call, others_reviews_after_submit=False)
    proposal = eligible_proposal(world.cutoff)
    first, second = (assigned_reviewer(proposal, officer=world.officer) for _ in range(2))
    submitted_review(first, comments={world.criteria[0].pk: "Hidden comment"})
    submitted_review(second)
    client.force_login(second.reviewer)
    assert "Hidden comment" not in client.get(_url(second)).content.decode()


def test_nobody_but_the_assigned_reviewer_reaches_the_review(world, client):
    proposal = eligible_proposal(world.cutoff, title="Guarded proposal")
    assignment = assigned_reviewer(proposal, officer=world.officer)
    submitted_review(assignment, comments={world.criteria[0].pk: "Guarded comment"})
    other = assigned_reviewer(eligible_proposal(world.cutoff), officer=world.officer).reviewer
    conflicted = pool_member(proposal.call)
    conflict_declare(reviewer=conflicted, proposal=proposal, type=ConflictType.PERSONAL)
    for user in (
        other,
        conflicted,
        proposal.created_by,
        CentreMembershipFactory().user,
        ProgrammeOfficerFactory(),
    ):
        client.force_login(user)
        assert client.get(_url(assignment)).status_code == 404
        assert client.post(_url(assignment, "reviews:review_autosave"), {}).status_code == 404
        assert client.get(_api(assignment)).status_code == 404
        assert client.patch(_api(assignment), {"version": 1}, "application/json").status_code == 404
        assert client.post(_api(assignment, "submit/"), {"version": 1}).status_code == 404
    with pytest.raises(PermissionDenied):
        review_save(assignment=assignment, reviewer=other, values={}, expected_version=None)


def test_a_conflict_found_after_assignment_closes_the_review(world, client):
    proposal = eligible_proposal(world.cutoff, title="Late conflict")
    assignment = assigned_reviewer(proposal, officer=world.officer)
    draft_review(assignment, comment_to_panel="Started")
    conflict_declare(reviewer=assignment.reviewer, proposal=proposal, type=ConflictType.FINANCIAL)
    client.force_login(assignment.reviewer)
    assert client.get(_url(assignment)).status_code == 404
    assert client.get(_api(assignment)).status_code == 404
    assert "Late conflict" not in client.get(reverse("reviews:reviewer_home")).content.decode()


def test_an_assigned_reviewer_confirms_no_conflict_before_the_body(world, client):
    proposal = eligible_proposal(world.cutoff)
    reviewer = pool_member(proposal.call)
    # Assigned by hand without having confirmed: the page sends them to the check first.
    assignment = ReviewAssignment.objects.create(
        reviewer=reviewer, proposal=proposal, source="manual"
    )
    client.force_login(reviewer)
    response = client.get(_url(assignment))
    assert response.status_code == 302
    assert response["Location"] == reverse("reviews:conflict_check", kwargs={"pk": proposal.pk})
    assert client.get(_api(assignment)).status_code == 404


# --- the page and the API ------------------------------------------------------------------------


def test_the_reviewer_saves_autosaves_and_submits_from_the_page(world, client):
    assignment = assigned_reviewer(
        eligible_proposal(world.cutoff, abstract="The body of the proposal"),
        officer=world.officer,
    )
    first, second = world.criteria
    client.force_login(assignment.reviewer)
    page = client.get(_url(assignment)).content.decode()
    assert "The body of the proposal" in page and first.name in page
    assert "Comment to the panel" not in page or "Confidential comment to the panel" in page
    saved = client.post(
        _url(assignment, "reviews:review_autosave"), {"version": "1", f"score_{first.pk}": "5"}
    )
    assert saved.status_code == 200 and 'data-save-state="saved"' in saved.content.decode()
    stale = client.post(
        _url(assignment, "reviews:review_autosave"), {"version": "1", f"score_{first.pk}": "4"}
    )
    assert stale.status_code == 409 and "another tab" in stale.content.decode()
    review = Review.objects.get(assignment=assignment)
    response = client.post(
        _url(assignment),
        {
            "version": str(review.version),
            f"score_{second.pk}": "2",
            "confidence": "medium",
            "action": "submit",
        },
    )
    assert response.status_code == 400
    assert "Give your overall recommendation." in response.content.decode()
    review.refresh_from_db()
    assert not review.is_submitted and review.confidence == "medium"
    response = client.post(
        _url(assignment),
        {"version": str(review.version), "recommendation": "fund", "action": "submit"},
    )
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.is_submitted and review.weighted_total == Decimal("5") + Decimal("5")
    page = client.get(_url(assignment)).content.decode()
    assert 'id="review-form"' not in page and 'id="own-review"' in page


def test_the_api_saves_a_draft_with_its_version_and_submits(world, client):
    assignment = assigned_reviewer(eligible_proposal(world.cutoff), officer=world.officer)
    first, second = world.criteria
    client.force_login(assignment.reviewer)
    listed = client.get(reverse("reviews_api:reviewer_reviews")).json()
    assert [(r["assignment"], r["state"]) for r in listed] == [(assignment.pk, "not_started")]
    body = client.get(_api(assignment)).json()
    assert [c["id"] for c in body["criteria"]] == [first.pk, second.pk]
    patch = {
        "version": body["version"],
        "scores": [{"criterion": first.pk, "score": 9}],
        "confidence": "high",
    }
    bad = client.patch(_api(assignment), patch, "application/json")
    assert bad.status_code == 400 and f"score_{first.pk}" in bad.json()
    patch["scores"] = [
        {"criterion": first.pk, "score": 3, "comment_to_applicant": "Fine"},
        {"criterion": second.pk, "score": 4},
    ]
    saved = client.patch(_api(assignment), patch, "application/json")
    assert saved.status_code == 200
    version = saved.json()["version"]
    assert client.patch(_api(assignment), patch, "application/json").status_code == 409
    refused = client.post(_api(assignment, "submit/"), {"version": version}, "application/json")
    assert refused.status_code == 400 and "recommendation" in refused.json()
    patch = {"version": version, "recommendation": "do_not_fund"}
    version = client.patch(_api(assignment), patch, "application/json").json()["version"]
    done = client.post(_api(assignment, "submit/"), {"version": version}, "application/json")
    assert done.status_code == 200
    assert done.json()["state"] == "submitted" and done.json()["weighted_total"] == "13.000"
    assert client.post(_api(assignment, "submit/"), {"version": version + 1}).status_code == 400


# --- reminders -----------------------------------------------------------------------------------


def test_reminders_go_out_once_each_at_7_and_2_days_and_when_overdue(world):
    with time_machine.travel("2027-03-01 10:00 +00:00", tick=False):
        open_one = assigned_reviewer(eligible_proposal(world.cutoff), officer=world.officer)
        done = assigned_reviewer(eligible_proposal(world.cutoff), officer=world.officer)
        submitted_review(done)
    deadline = open_one.deadline

    def sweep(at):
        with time_machine.travel(at, tick=False):
            return review_reminders_send()

    def mails():
        return list(
            Notification.objects.filter(to_email=open_one.reviewer.email)
            .order_by("pk")
            .values_list("template", flat=True)
        )

    assert sweep(deadline - timedelta(days=8)).reminded == 0
    assert sweep(deadline - timedelta(days=7)).reminded == 1
    assert sweep(deadline - timedelta(days=6)).reminded == 0
    assert mails() == ["review_reminder"]
    assert sweep(deadline - timedelta(days=2)).reminded == 1
    assert sweep(deadline - timedelta(days=1)).reminded == 0
    result = sweep(deadline + timedelta(minutes=1))
    assert (result.reminded, result.overdue) == (0, 1)
    assert sweep(deadline + timedelta(days=3)).overdue == 0
    assert mails() == ["review_reminder", "review_reminder", "review_overdue"]
    open_one.refresh_from_db()
    assert open_one.last_reminder == ReviewAssignment.Reminder.OVERDUE
    assert not Notification.objects.filter(to_email=done.reviewer.email).exists()


def test_a_missed_reminder_is_not_sent_late_and_a_declined_assignment_gets_none(world):
    with time_machine.travel("2027-03-01 10:00 +00:00", tick=False):
        assignment = assigned_reviewer(eligible_proposal(world.cutoff), officer=world.officer)
        declined = assigned_reviewer(eligible_proposal(world.cutoff), officer=world.officer)
    from reviews.services.assignment import assignment_answer

    assignment_answer(
        assignment=declined, reviewer=declined.reviewer, accept=False, reason="On leave"
    )
    with time_machine.travel(assignment.deadline - timedelta(days=1), tick=False):
        assert review_reminders_send().reminded == 2 - 1
    templates = list(
        Notification.objects.filter(template__startswith="review_").values_list(
            "template", "to_email"
        )
    )
    assert templates == [("review_reminder", assignment.reviewer.email)]


# --- workspaces ----------------------------------------------------------------------------------


def test_the_reviewer_workspace_shows_states_and_costs_the_same_for_1_and_50(
    world, client, assert_queries_constant
):
    reviewer = ReviewerFactory()
    first = assigned_reviewer(eligible_proposal(world.cutoff), reviewer=reviewer)
    submitted_review(first)
    client.force_login(reviewer)
    page = client.get(reverse("reviews:reviewer_home")).content.decode()
    assert 'data-review-state="submitted"' in page

    def grow():
        officer = ProgrammeOfficerFactory()
        for n in range(49):
            assignment = assigned_reviewer(
                eligible_proposal(world.cutoff, title=f"Grown {n}"),
                reviewer=reviewer,
                officer=officer,
            )
            if n % 3 == 0:
                draft_review(assignment, comment_to_panel="Draft")

    from reviews.models import ReviewerProfile

    ReviewerProfile.objects.update_or_create(user=reviewer, defaults={"max_load": 60})
    assert_queries_constant(
        lambda: client.get(reverse("reviews:reviewer_home")), grow=grow, at_most=30
    )
    page = client.get(reverse("reviews:reviewer_home")).content.decode()
    assert page.count('data-review-state="draft"') == 17
    assert page.count('data-review-state="not_started"') == 32


def test_the_officer_sees_progress_and_overdue_counts(world, client, assert_queries_constant):
    with time_machine.travel("2027-03-01 10:00 +00:00", tick=False):
        proposal = eligible_proposal(world.cutoff, title="Progress proposal")
        assignments = [assigned_reviewer(proposal, officer=world.officer) for _ in range(3)]
    submitted_review(assignments[0])
    draft_review(assignments[1], comment_to_panel="Half way")
    url = reverse("reviews:cutoff_reviews", kwargs={"pk": world.cutoff.pk})
    with time_machine.travel(assignments[2].deadline + timedelta(days=1), tick=False):
        client.force_login(world.officer)
        page = client.get(url).content.decode()
        assert "2 overdue" in page and "1 submitted" in page and "1 in draft" in page
        workspace = client.get(reverse("reviews:officer_workspace")).content.decode()
        assert "2 reviews overdue" in workspace
    client.force_login(world.officer)

    def grow():
        for n in range(10):
            more = eligible_proposal(world.cutoff, title=f"More {n}")
            submitted_review(assigned_reviewer(more, officer=world.officer))

    assert_queries_constant(lambda: client.get(url), grow=grow, at_most=14)
