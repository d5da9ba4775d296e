"""The officer's assignment page: run, preview (reviewers and why, loads, shortfalls, the
difference from the previous run), apply, add and remove by hand with clear errors; officers only
(404 for everyone else); the query count is the same for 1 and 50 proposals."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from applications.models import ProposalStatus
from reviews.models import (
    AssignmentRun,
    ConflictType,
    DeclaredConflict,
    ReviewAssignment,
    ReviewerProfile,
)
from tests.factories import (
    CentreMembershipFactory,
    ProgrammeOfficerFactory,
    ProposalFactory,
    UserFactory,
)
from tests.reviews.pool_world import large_scale_cutoff, pool_reviewer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _staff_without_totp(settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False


@pytest.fixture
def cutoff():
    return large_scale_cutoff()


def eligible_proposal(cutoff, **kwargs):
    return ProposalFactory(
        cutoff=cutoff, status=ProposalStatus.ELIGIBLE, submitted_at=timezone.now(), **kwargs
    )


def _url(cutoff, name="reviews:cutoff_assignment"):
    return reverse(name, kwargs={"pk": cutoff.pk})


def test_the_officer_runs_previews_and_applies(client, cutoff):
    eligible_proposal(cutoff, title="Tiny LLM for tractors")
    reviewers = [
        pool_reviewer(cutoff.call, first_name="Rev", last_name=f"Number{i}") for i in range(2)
    ]
    client.force_login(ProgrammeOfficerFactory())
    client.post(_url(cutoff), {"action": "run"})
    page = client.get(_url(cutoff)).content.decode()
    assert "Preview of the last run" in page and "Tiny LLM for tractors" in page
    assert "Lacks 1 reviewer" in page  # three wanted, two in the pool
    assert "Rev Number0" in page and "bid: no bid" in page and "1 of 8" in page
    run = AssignmentRun.objects.get()
    response = client.post(_url(cutoff), {"action": "apply", "run": run.pk}, follow=True)
    assert "2 assignments made" in response.content.decode()
    assert set(ReviewAssignment.objects.values_list("reviewer_id", flat=True)) == {
        r.pk for r in reviewers
    }
    # A second run is compared with the first.
    client.post(_url(cutoff), {"action": "run", "fill_gaps_only": "on"})
    assert "Against the run before: 0 assignments added, 0 removed" in (
        client.get(_url(cutoff)).content.decode()
    )


def test_a_strict_infeasible_run_shows_its_cause_and_cannot_be_applied(client, cutoff):
    eligible_proposal(cutoff)
    pool_reviewer(cutoff.call)
    client.force_login(ProgrammeOfficerFactory())
    client.post(_url(cutoff), {"action": "run", "strict": "on"})
    page = client.get(_url(cutoff)).content.decode()
    assert 'id="run-causes"' in page and 'id="apply-run"' not in page
    run = AssignmentRun.objects.get()
    response = client.post(_url(cutoff), {"action": "apply", "run": run.pk}, follow=True)
    assert "infeasible" in response.content.decode()
    assert not ReviewAssignment.objects.exists()


def test_a_stale_run_is_refused_with_a_clear_message(client, cutoff):
    proposal = eligible_proposal(cutoff)
    reviewer = pool_reviewer(cutoff.call)
    client.force_login(ProgrammeOfficerFactory())
    client.post(_url(cutoff), {"action": "run"})
    client.post(
        _url(cutoff, "reviews:assignment_add"), {"proposal": proposal.pk, "reviewer": reviewer.pk}
    )
    run = AssignmentRun.objects.get()
    response = client.post(_url(cutoff), {"action": "apply", "run": run.pk}, follow=True)
    assert "changed since this run was computed" in response.content.decode()
    assert ReviewAssignment.objects.count() == 1


def test_add_and_remove_by_hand_with_clear_refusals(client, cutoff):
    proposal = eligible_proposal(cutoff)
    reviewer = pool_reviewer(cutoff.call, first_name="Ada", last_name="Byron")
    conflicted = pool_reviewer(cutoff.call, first_name="Con", last_name="Flicted")
    DeclaredConflict.objects.create(
        reviewer=conflicted, proposal=proposal, type=ConflictType.PERSONAL
    )
    full = pool_reviewer(cutoff.call, first_name="Full", last_name="Load")
    ReviewerProfile.objects.create(user=full, max_load=1)
    ReviewAssignment.objects.create(
        reviewer=full, proposal=eligible_proposal(cutoff), source="manual"
    )
    client.force_login(ProgrammeOfficerFactory())
    add = _url(cutoff, "reviews:assignment_add")
    page = client.post(
        add, {"proposal": proposal.pk, "reviewer": conflicted.pk}, follow=True
    ).content.decode()
    assert "Con Flicted has a conflict of interest with this proposal." in page
    page = client.post(add, {"proposal": proposal.pk, "reviewer": full.pk}, follow=True)
    assert "Full Load is at their cap of 1 proposals" in page.content.decode()
    page = client.post(add, {"proposal": "x", "reviewer": ""}, follow=True)
    assert page.status_code == 200 and "Choose a proposal" in page.content.decode()
    client.post(add, {"proposal": proposal.pk, "reviewer": reviewer.pk})
    assignment = ReviewAssignment.objects.get(reviewer=reviewer)
    client.post(reverse("reviews:assignment_remove", kwargs={"pk": assignment.pk}))
    assert not ReviewAssignment.objects.filter(reviewer=reviewer).exists()


@pytest.mark.parametrize("who", ["applicant", "assessor", "reviewer", "superuser"])
def test_only_officers_reach_the_assignment_pages(client, cutoff, who):
    proposal = eligible_proposal(cutoff)
    reviewer = pool_reviewer(cutoff.call)
    assignment = ReviewAssignment.objects.create(
        reviewer=reviewer, proposal=proposal, source="manual"
    )
    user = {
        "applicant": lambda: proposal.created_by,
        "assessor": lambda: CentreMembershipFactory().user,
        "reviewer": lambda: reviewer,
        "superuser": lambda: UserFactory(is_superuser=True, is_staff=True),
    }[who]()
    client.force_login(user)
    assert client.get(_url(cutoff)).status_code == 404
    assert client.post(_url(cutoff), {"action": "run"}).status_code == 404
    add = _url(cutoff, "reviews:assignment_add")
    assert client.post(add, {"proposal": proposal.pk, "reviewer": reviewer.pk}).status_code == 404
    remove = reverse("reviews:assignment_remove", kwargs={"pk": assignment.pk})
    assert client.post(remove).status_code == 404
    assert not AssignmentRun.objects.exists() and ReviewAssignment.objects.count() == 1


def test_the_conflicts_page_links_the_assignment(client, cutoff):
    client.force_login(ProgrammeOfficerFactory())
    page = client.get(reverse("reviews:cutoff_conflicts", kwargs={"pk": cutoff.pk}))
    assert _url(cutoff) in page.content.decode()


@pytest.mark.parametrize("n", [1, 50])
def test_the_assignment_page_costs_the_same_for_1_and_50(
    client, cutoff, n, django_assert_num_queries
):
    reviewers = [pool_reviewer(cutoff.call) for _ in range(4)]
    for _ in range(n):
        proposal = eligible_proposal(cutoff)
        ReviewAssignment.objects.create(reviewer=reviewers[0], proposal=proposal, source="manual")
    officer = ProgrammeOfficerFactory()
    client.force_login(officer)
    client.post(_url(cutoff), {"action": "run"})
    client.post(_url(cutoff), {"action": "run", "fill_gaps_only": "on"})
    client.get(_url(cutoff))
    with django_assert_num_queries(QUERIES_ASSIGNMENT_PAGE):
        response = client.get(_url(cutoff))
    assert response.status_code == 200
    assert response.content.decode().count('name="proposal"') == n


QUERIES_ASSIGNMENT_PAGE = 12
