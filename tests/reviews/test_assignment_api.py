"""The assignment API: a reviewer's assignments; an officer runs, reads and applies a cut-off's
automatic assignment (stale and infeasible runs refused with 400); everyone else gets a 404."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from applications.models import ProposalStatus
from reviews.models import AssignmentRun, ReviewAssignment
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


def _eligible(cutoff, **kwargs):
    return ProposalFactory(
        cutoff=cutoff, status=ProposalStatus.ELIGIBLE, submitted_at=timezone.now(), **kwargs
    )


def _runs_url(cutoff):
    return reverse("reviews_api:cutoff_assignment_runs", kwargs={"id": cutoff.pk})


def test_the_officer_runs_reads_and_applies_through_the_api(client, cutoff):
    proposal = _eligible(cutoff)
    reviewers = [pool_reviewer(cutoff.call) for _ in range(3)]
    client.force_login(ProgrammeOfficerFactory())
    assert client.get(_runs_url(cutoff)).status_code == 404  # no run yet
    created = client.post(_runs_url(cutoff), {"strict": True}, content_type="application/json")
    assert created.status_code == 201 and created.json()["status"] == "complete"
    assert client.get(_runs_url(cutoff)).json()["id"] == created.json()["id"]
    apply = reverse("reviews_api:assignment_run_apply", kwargs={"id": created.json()["id"]})
    applied = client.post(apply)
    assert applied.status_code == 200 and applied.json()["applied_at"]
    assert set(ReviewAssignment.objects.values_list("reviewer_id", "proposal_id")) == {
        (r.pk, proposal.pk) for r in reviewers
    }
    again = client.post(apply)
    assert again.status_code == 400 and "already applied" in str(again.json())


def test_an_infeasible_run_is_refused_by_the_api(client, cutoff):
    _eligible(cutoff)
    pool_reviewer(cutoff.call)
    client.force_login(ProgrammeOfficerFactory())
    run = client.post(_runs_url(cutoff), {"strict": True}, content_type="application/json")
    assert run.json()["status"] == "infeasible"
    apply = reverse("reviews_api:assignment_run_apply", kwargs={"id": run.json()["id"]})
    assert client.post(apply).status_code == 400
    assert not ReviewAssignment.objects.exists()


def test_the_reviewer_lists_their_assignments(client, cutoff):
    reviewer = pool_reviewer(cutoff.call)
    proposal = _eligible(cutoff, title="Wind farm twin")
    ReviewAssignment.objects.create(reviewer=reviewer, proposal=proposal, source="manual")
    client.force_login(reviewer)
    body = client.get(reverse("reviews_api:reviewer_assignments")).json()
    assert [(a["proposal"], a["title"], a["status"]) for a in body] == [
        (proposal.pk, "Wind farm twin", "assigned")
    ]


@pytest.mark.parametrize("who", ["applicant", "assessor", "reviewer", "superuser"])
def test_only_officers_reach_the_runs_api(client, cutoff, who):
    proposal = _eligible(cutoff)
    reviewer = pool_reviewer(cutoff.call)
    officer = ProgrammeOfficerFactory()
    from reviews.services.assignment import assignment_run_create

    run = assignment_run_create(cutoff=cutoff, by=officer)
    user = {
        "applicant": lambda: proposal.created_by,
        "assessor": lambda: CentreMembershipFactory().user,
        "reviewer": lambda: reviewer,
        "superuser": lambda: UserFactory(is_superuser=True, is_staff=True),
    }[who]()
    client.force_login(user)
    assert client.get(_runs_url(cutoff)).status_code == 404
    assert client.post(_runs_url(cutoff), {}, content_type="application/json").status_code == 404
    apply = reverse("reviews_api:assignment_run_apply", kwargs={"id": run.pk})
    assert client.post(apply).status_code == 404
    assert AssignmentRun.objects.count() == 1 and not ReviewAssignment.objects.exists()
    if who != "reviewer":
        assert client.get(reverse("reviews_api:reviewer_assignments")).status_code == 404
