"""In Chromium: a reviewer declares a conflict with one proposal, confirms having none with
another and bids on it; once assigned, they score it (autosaved as they type, then submitted) and
see the other reviews, as "Reviewer N", only after submitting their own. The CSP lets every page
run and nothing leaves the portal."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from reviews.models import Bid, DeclaredConflict, Review
from tests.factories import (
    ProgrammeOfficerFactory,
    assigned_reviewer,
    eligible_proposal,
    pool_member,
    scoring_world,
    submitted_review,
)
from tests.factories.portal import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page, user) -> None:
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_a_reviewer_declares_bids_scores_and_then_sees_the_other_reviews(
    page, live_server, settings
):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    world = scoring_world(criteria=2)
    first, second = world.criteria
    conflicted = eligible_proposal(world.cutoff, title="Speech model for Basque")
    scored = eligible_proposal(
        world.cutoff, title="Protein folding at scale", abstract="We fold proteins."
    )
    reviewer = pool_member(world.cutoff.call, mfa=False)

    page.goto(live_server.url + reverse("reviews:reviewer_home"))
    _log_in(page, reviewer)
    page.get_by_role("link", name="Speech model for Basque").click()
    page.get_by_label("Kind of conflict").select_option("collaboration")
    page.get_by_role("button", name="Declare the conflict").click()
    expect(page.locator(".alert-success")).to_contain_text("goes to other reviewers")
    assert DeclaredConflict.objects.get(reviewer=reviewer).proposal == conflicted

    page.get_by_role("link", name="Protein folding at scale").click()
    page.get_by_role("button", name="I have no conflict").click()
    page.get_by_role("link", name=re.compile(r"^Bid on ")).click()
    expect(page.locator("main")).not_to_contain_text("Speech model for Basque")
    page.locator(f"#bid-{scored.pk}").select_option("eager")
    page.get_by_role("button", name="Save your bids").click()
    expect(page.locator(".alert-success")).to_contain_text("Your bids are saved")
    assert Bid.objects.get(reviewer=reviewer).proposal == scored

    # The officer assigns the proposal to the reviewer and two others, who submit first.
    officer = ProgrammeOfficerFactory()
    others = [assigned_reviewer(scored, officer=officer) for _ in range(1)]
    mine = assigned_reviewer(scored, officer=officer, reviewer=reviewer)
    others.append(assigned_reviewer(scored, officer=officer))
    for n, other in enumerate(others):
        submitted_review(other, comments={first.pk: f"Other reviewer's comment {n}"})

    page.goto(live_server.url + reverse("reviews:reviewer_home"))
    page.get_by_role("link", name="Open the proposal and review it").click()
    expect(page.locator("main")).to_contain_text("We fold proteins.")
    expect(page.locator("main")).not_to_contain_text("Other reviewer's comment")
    with page.expect_response(lambda r: "/autosave/" in r.url and r.status == 200):
        page.locator(f"#id_score_{first.pk}").fill("4")
    expect(page.locator("#save-status")).to_contain_text("Draft saved")
    with page.expect_response(lambda r: "/autosave/" in r.url and r.status == 200):
        page.locator(f"#id_comment_{second.pk}").fill("Clear plan, modest risk.")
    expect(page.locator("#save-status")).to_contain_text("Draft saved")
    review = Review.objects.get(assignment=mine)
    assert review.scores.get(criterion=first).score == 4
    assert review.scores.get(criterion=second).comment_to_applicant == "Clear plan, modest risk."

    page.locator(f"#id_score_{second.pk}").fill("5")
    page.get_by_label("High: my field of expertise").check()
    page.get_by_label("Fund", exact=True).check()
    page.get_by_role("button", name="Submit the review").click()
    expect(page.locator(".alert-success")).to_contain_text("Your review is submitted")
    others_box = page.locator("#other-reviews")
    expect(others_box).to_contain_text("Reviewer 1")
    expect(others_box).to_contain_text("Reviewer 3")
    expect(others_box).to_contain_text("Other reviewer's comment 0")
    for other in others:
        expect(page.locator("main")).not_to_contain_text(other.reviewer.email)
    review.refresh_from_db()
    assert review.is_submitted and review.weighted_total == 4 * first.weight + 5 * second.weight
