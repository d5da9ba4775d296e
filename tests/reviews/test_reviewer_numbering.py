"""One numbering of reviewers ("Reviewer 1, 2, 3") for everyone: reviewers reading each other,
the applicant reading the reviews with the right of reply, and the decision mail's comments, so
a reply that answers "Reviewer 2" means the same review to the panel. Assignment order, declined
and conflicted assignments aside, whatever order the reviews came in."""

from __future__ import annotations

import pytest

from reviews.selectors.ranking import anonymised_review_comments
from reviews.selectors.replies import applicant_reviews
from reviews.selectors.reviews import others_reviews
from reviews.services.assignment import assignments_conflicted
from tests.factories import assigned_reviewer, eligible_proposal, scoring_world, submitted_review

pytestmark = pytest.mark.django_db


def test_everyone_reads_the_same_number_for_the_same_review():
    world = scoring_world(criteria=1)
    criterion = world.criteria[0]
    proposal = eligible_proposal(world.cutoff)
    assignments = [assigned_reviewer(proposal, officer=world.officer) for _ in range(4)]
    # Submitted in another order than assigned; the first reviewer later turns out conflicted.
    for index in (3, 1, 2, 0):
        submitted_review(assignments[index], comments={criterion.pk: f"Said by {index}"})
    assignments_conflicted(
        pairs={(assignments[0].reviewer_id, proposal.pk)}, by=None, cause="declared"
    )
    expected = {"Said by 1": 1, "Said by 2": 2, "Said by 3": 3}

    applicant = {
        r.criteria[0].comment: r.number for r in applicant_reviews(proposal=proposal).reviews
    }
    assert applicant == expected

    mail = {
        given["comments"][0]["comment"]: int(given["reviewer"].removeprefix("Reviewer "))
        for given in anonymised_review_comments(proposal_ids=[proposal.pk])[proposal.pk]
    }
    assert mail == expected

    own = assignments[1]
    own.refresh_from_db()
    seen = {
        row.review.scores.get().comment_to_applicant: int(row.label.removeprefix("Reviewer "))
        for row in others_reviews(assignment=own, own=own.review)
    }
    assert seen == {"Said by 2": 2, "Said by 3": 3}
