"""The demo's peer review: at a Large Scale cut-off closed weeks ago, assessed proposals are
reviewed by a pool with decided and declared conflicts, bids and an applied automatic
assignment; reviews are in every state (complete, draft, not started, declined, overdue after
reminders); the reviewer's and the officer's pages show it; a rerun changes nothing."""

from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from applications.models import EvaluationCriterion, Proposal, ProposalStatus
from portal.models import Notification, User
from reviews.demo_assessments import DEMO_OFFICER_EMAIL
from reviews.demo_pool import DEMO_REVIEWER_EMAIL
from reviews.demo_reviews import (
    DECLINE_REASON,
    DISMISS_REASON,
    REVIEWERS,
    review_cutoff,
    review_demo_seed,
)
from reviews.models import (
    AssignmentRun,
    Bid,
    CriterionScore,
    DeclaredConflict,
    DetectedConflict,
    PoolMembership,
    Review,
    ReviewAssignment,
    TechnicalAssessment,
)
from tests.factories.portal import give_totp

pytestmark = pytest.mark.django_db
A = ReviewAssignment.Status


def _snapshot():
    return (
        list(Proposal.objects.order_by("pk").values_list("status", flat=True)),
        list(ReviewAssignment.objects.order_by("pk").values_list("status", "last_reminder")),
        list(Review.objects.order_by("pk").values_list("status", "version")),
        Bid.objects.count(),
        AssignmentRun.objects.count(),
        DetectedConflict.objects.count(),
        Notification.objects.count(),
    )


def test_the_demo_reviews_a_large_scale_cutoff_in_every_state(client):
    call_command("seed_demo", stdout=StringIO())
    now = timezone.now()
    cutoff = review_cutoff()
    assert cutoff is not None and cutoff.at <= now - timedelta(weeks=4)
    proposals = Proposal.objects.filter(cutoff=cutoff, submitted_at__isnull=False)
    assert proposals.count() >= 8
    assert proposals.values("organisation").distinct().count() == proposals.count()
    # In review, or on to the reply and the panel since (reviews.demo_reply).
    reviewed = proposals.filter(
        status__in=[ProposalStatus.IN_REVIEW, ProposalStatus.IN_REPLY, ProposalStatus.IN_PANEL]
    )
    assert reviewed.count() >= 8
    assert not proposals.filter(status=ProposalStatus.ELIGIBLE).exists()
    # The centres assessed every request, with recommended hours.
    assessments = TechnicalAssessment.objects.filter(proposal__in=reviewed)
    assert assessments.exists()
    assert not assessments.exclude(status=TechnicalAssessment.Status.SUBMITTED).exists()
    assert all(a.recommended_hours for a in assessments)

    # The pool: the new experts joined under the terms, with profiles.
    for spec in REVIEWERS:
        membership = PoolMembership.objects.get(call=cutoff.call, user__email=spec.email)
        assert membership.terms_accepted_at is not None
        assert membership.user.reviewer_profile.expertise_keywords == list(spec.keywords)
    conflicts = DetectedConflict.objects.filter(cutoff=cutoff)
    assert conflicts.filter(status="confirmed").exists()
    assert conflicts.get(status="dismissed", rule="employer_name").reason == DISMISS_REASON
    assert DeclaredConflict.objects.filter(proposal__cutoff=cutoff).exists()
    assert {b.level for b in Bid.objects.filter(proposal__cutoff=cutoff)} == {
        "eager",
        "willing",
        "rather_not",
    }
    run = AssignmentRun.objects.get(cutoff=cutoff)
    assert run.applied_at is not None and run.status == "complete"

    # Reviews in every state.
    assignments = ReviewAssignment.objects.filter(proposal__cutoff=cutoff)
    active = assignments.exclude(status=A.DECLINED)
    assert set(Counter(active.values_list("proposal_id", flat=True)).values()) <= {2, 3}
    complete = [
        p for p in reviewed if Review.objects.filter(proposal=p, status="submitted").count() == 3
    ]
    assert len(complete) >= 6
    assert Review.objects.filter(proposal__cutoff=cutoff, status="draft").count() == 1
    declined = assignments.get(status=A.DECLINED)
    assert declined.decline_reason == DECLINE_REASON
    not_started = assignments.filter(status=A.ASSIGNED)
    assert not_started.count() == 1 and not Review.objects.filter(assignment=not_started[0])
    overdue = assignments.get(deadline__lt=now, status__in=[A.ASSIGNED, A.ACCEPTED])
    assert overdue.last_reminder == "overdue"
    reminded = Notification.objects.filter(
        template__in=["review_reminder", "review_overdue"], to_email=overdue.reviewer.email
    )
    assert reminded.count() == 3  # 7 days, 2 days before, then overdue
    assert active.filter(deadline__gt=now).exists()

    # Scores: a threshold failed, a disagreement of two points, varied recommendations.
    criteria = list(EvaluationCriterion.objects.filter(call=cutoff.call))
    failed = disagreement = False
    for proposal in complete:
        for criterion in criteria:
            scores = list(
                CriterionScore.objects.filter(
                    review__proposal=proposal, criterion=criterion
                ).values_list("score", flat=True)
            )
            failed |= sum(scores) / len(scores) < criterion.threshold
            disagreement |= max(scores) - min(scores) >= 2
    assert failed and disagreement
    submitted = Review.objects.filter(proposal__cutoff=cutoff, status="submitted")
    assert {r.recommendation for r in submitted} == {"fund", "fund_if_capacity", "do_not_fund"}
    assert len({r.confidence for r in submitted}) == 3
    assert all(r.weighted_total is not None and r.comment_to_panel for r in submitted)
    assert not CriterionScore.objects.filter(review__in=submitted, comment_to_applicant="")
    assert submitted.order_by("submitted_at").first().submitted_at > run.applied_at

    # The demo reviewer's workspace: deadlines, a draft, an assignment to answer, and
    # submitted reviews with the others' visible.
    reviewer = User.objects.get(email=DEMO_REVIEWER_EMAIL)
    give_totp(reviewer)
    client.force_login(reviewer)
    home = client.get(reverse("reviews:reviewer_home")).content.decode()
    assert 'data-review-state="draft"' in home and "Continue your review" in home
    assert 'data-review-state="submitted"' in home and " · due " in home
    mine = assignments.filter(reviewer=reviewer, status=A.SUBMITTED).first()
    page = client.get(reverse("reviews:review", kwargs={"pk": mine.pk})).content.decode()
    others = Review.objects.filter(proposal=mine.proposal).exclude(reviewer=reviewer)
    assert "The other reviews" in page
    for other in others:
        assert other.scores.first().comment_to_applicant in page
        assert other.reviewer.display_name not in page

    # The officer: the review progress of the cut-off, the overdue review, the decline's
    # replacement suggestion.
    officer = User.objects.get(email=DEMO_OFFICER_EMAIL)
    give_totp(officer)
    client.force_login(officer)
    progress = client.get(reverse("reviews:cutoff_reviews", kwargs={"pk": cutoff.pk}))
    text = progress.content.decode()
    assert progress.status_code == 200
    assert "1 overdue" in text and overdue.reviewer.display_name in text
    assert "Overdue" in text and "7 days before" in text
    assignment_page = client.get(reverse("reviews:cutoff_assignment", kwargs={"pk": cutoff.pk}))
    assert "Suggested replacement" in assignment_page.content.decode()
    workspace = client.get(reverse("reviews:officer_workspace")).content.decode()
    assert reverse("reviews:cutoff_reviews", kwargs={"pk": cutoff.pk}) in workspace

    # A rerun changes nothing.
    before = _snapshot()
    assert review_demo_seed(officer=officer) is False
    call_command("seed_demo", stdout=StringIO())
    assert _snapshot() == before
