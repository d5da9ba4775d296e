"""Reviewer assignment from the database: the solver's problem built from the pool, profiles,
bids, conflicts and assignments; runs saved and applied in one transaction (stale and infeasible
runs refused, nothing applied); assigning and removing by hand with their refusals."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from applications.models import ProposalStatus
from portal.models import Activity
from reviews.assignment.problem import Bid as SolverBid
from reviews.models import (
    AssignmentRun,
    Bid,
    BidLevel,
    ConflictType,
    DeclaredConflict,
    DetectedConflict,
    PeerReviewSettings,
    ReviewAssignment,
    ReviewerProfile,
)
from reviews.services.assignment import (
    assignment_add,
    assignment_problem_build,
    assignment_remove,
    assignment_run_apply,
    assignment_run_create,
)
from tests.factories import (
    CentreMembershipFactory,
    ProgrammeOfficerFactory,
    ProposalFactory,
    UserFactory,
)
from tests.reviews.pool_world import large_scale_cutoff, pool_reviewer

pytestmark = pytest.mark.django_db
A = ReviewAssignment.Status


@pytest.fixture
def cutoff():
    return large_scale_cutoff()


@pytest.fixture
def officer():
    return ProgrammeOfficerFactory()


def eligible_proposal(cutoff, **kwargs):
    return ProposalFactory(
        cutoff=cutoff,
        status=kwargs.pop("status", ProposalStatus.ELIGIBLE),
        submitted_at=timezone.now(),
        **kwargs,
    )


def _pairs():
    return set(ReviewAssignment.objects.values_list("reviewer_id", "proposal_id"))


# --- building the problem ------------------------------------------------------------------------


def test_the_problem_comes_from_pool_profiles_bids_conflicts_and_assignments(cutoff, officer):
    call = cutoff.call
    PeerReviewSettings.objects.create(call=call, reviewers_per_proposal=2)
    p1, p2 = eligible_proposal(cutoff), eligible_proposal(cutoff, status=ProposalStatus.IN_REVIEW)
    eligible_proposal(cutoff, status=ProposalStatus.SUBMITTED)  # not yet found eligible
    r1, r2, r3 = pool_reviewer(call), pool_reviewer(call), pool_reviewer(call)
    pool_reviewer(call, terms=False)  # never offered before accepting the terms
    ReviewerProfile.objects.create(user=r1, max_load=4, expertise_keywords=["Fusion"])
    Bid.objects.create(reviewer=r2, proposal=p1, level=BidLevel.EAGER)
    DeclaredConflict.objects.create(reviewer=r3, proposal=p1, type=ConflictType.OTHER)
    ReviewAssignment.objects.create(reviewer=r1, proposal=p1, source="manual")
    ReviewAssignment.objects.create(reviewer=r2, proposal=p2, source="manual", status=A.ACCEPTED)
    ReviewAssignment.objects.create(reviewer=r3, proposal=p2, source="manual", status=A.DECLINED)
    elsewhere = eligible_proposal(cutoff, status=ProposalStatus.IN_PANEL)
    ReviewAssignment.objects.create(reviewer=r1, proposal=elsewhere, source="manual")

    problem = assignment_problem_build(cutoff=cutoff, fill_gaps_only=True)

    assert [p.id for p in problem.proposals] == sorted([p1.pk, p2.pk])
    assert {p.reviewers_wanted for p in problem.proposals} == {2}
    offers = {r.id: r for r in problem.reviewers}
    assert set(offers) == {r1.pk, r2.pk, r3.pk}
    assert (offers[r1.pk].load_cap, offers[r1.pk].current_load) == (4, 1)
    assert offers[r1.pk].keywords == frozenset({"fusion"})
    assert offers[r2.pk].load_cap == 8 and offers[r2.pk].current_load == 0
    assert dict(problem.bids) == {(r2.pk, p1.pk): SolverBid.EAGER}
    assert problem.conflicts == {(r3.pk, p1.pk)}
    assert problem.existing == {(r1.pk, p1.pk), (r2.pk, p2.pk)}
    assert problem.declined == {(r3.pk, p2.pk)}
    assert problem.pinned == {(r2.pk, p2.pk)}
    assert problem.fill_gaps_only


def test_the_default_is_three_reviewers_per_proposal(cutoff):
    eligible_proposal(cutoff)
    problem = assignment_problem_build(cutoff=cutoff, fill_gaps_only=False)
    assert problem.proposals[0].reviewers_wanted == 3


# --- runs and applying them ----------------------------------------------------------------------


def _world(cutoff, *, proposals=2, reviewers=4):
    return (
        [eligible_proposal(cutoff) for _ in range(proposals)],
        [pool_reviewer(cutoff.call) for _ in range(reviewers)],
    )


def test_a_run_is_saved_then_applied_in_full(cutoff, officer):
    proposals, reviewers = _world(cutoff)
    conflicted = reviewers[0]
    DetectedConflict.objects.create(
        cutoff=cutoff, reviewer=conflicted, proposal=proposals[0], rule="member", fact="x"
    )
    run = assignment_run_create(cutoff=cutoff, by=officer)
    assert run.status == "complete" and run.objective is not None and run.applied_at is None
    assert ReviewAssignment.objects.count() == 0  # a preview assigns nothing
    outcome = assignment_run_apply(run=run, by=officer)
    assert outcome.created == 6
    assert (conflicted.pk, proposals[0].pk) not in _pairs()
    per_proposal = {p.pk: 0 for p in proposals}
    for _, proposal in _pairs():
        per_proposal[proposal] += 1
    assert set(per_proposal.values()) == {3}
    assert set(ReviewAssignment.objects.values_list("source", flat=True)) == {"automatic"}
    run.refresh_from_db()
    assert run.applied_at is not None
    entry = Activity.objects.get(verb="assignment.run_apply")
    assert entry.data["created"] == 6
    with pytest.raises(ValidationError, match="already applied"):
        assignment_run_apply(run=run, by=officer)


def test_the_same_inputs_give_the_same_run(cutoff, officer):
    _world(cutoff, proposals=3, reviewers=5)
    first = assignment_run_create(cutoff=cutoff, by=officer)
    second = assignment_run_create(cutoff=cutoff, by=officer)
    assert first.result == second.result and first.inputs == second.inputs


@pytest.mark.parametrize("change", ["assignment", "conflict", "pool"])
def test_a_stale_run_is_refused_and_applies_nothing(cutoff, officer, change):
    proposals, reviewers = _world(cutoff)
    run = assignment_run_create(cutoff=cutoff, by=officer)
    if change == "assignment":
        assignment_add(proposal=proposals[0], reviewer=reviewers[0], by=officer)
    elif change == "conflict":
        chosen = next(iter(run.result["assignments"]))
        DeclaredConflict.objects.create(
            reviewer_id=chosen["reviewers"][0]["reviewer"],
            proposal_id=chosen["proposal"],
            type=ConflictType.PERSONAL,
        )
    else:
        reviewers[1].reviewer_pools.all().delete()
    before = _pairs()
    with pytest.raises(ValidationError, match="changed since this run was computed"):
        assignment_run_apply(run=run, by=officer)
    assert _pairs() == before
    run.refresh_from_db()
    assert run.applied_at is None


def test_a_strict_infeasible_run_says_why_and_applies_nothing(cutoff, officer):
    _world(cutoff, proposals=2, reviewers=2)  # three wanted, two in the pool
    run = assignment_run_create(cutoff=cutoff, by=officer, strict=True)
    assert run.status == "infeasible" and run.objective is None
    with pytest.raises(ValidationError, match="infeasible") as exc:
        assignment_run_apply(run=run, by=officer)
    assert run.result["causes"] and run.result["causes"][0] in " ".join(exc.value.messages)
    assert ReviewAssignment.objects.count() == 0


def test_a_short_run_applies_what_it_can(cutoff, officer):
    _world(cutoff, proposals=2, reviewers=2)
    run = assignment_run_create(cutoff=cutoff, by=officer)
    assert run.status == "short" and len(run.result["shortfalls"]) == 2
    assert assignment_run_apply(run=run, by=officer).created == 4


def test_fill_gaps_keeps_existing_and_a_full_rerun_keeps_accepted_ones(cutoff, officer):
    proposals, reviewers = _world(cutoff, proposals=1, reviewers=5)
    kept = assignment_add(proposal=proposals[0], reviewer=reviewers[4], by=officer)
    run = assignment_run_create(cutoff=cutoff, by=officer, fill_gaps_only=True)
    assert assignment_run_apply(run=run, by=officer).created == 2
    assert (reviewers[4].pk, proposals[0].pk) in _pairs()
    kept.status = A.ACCEPTED
    kept.save()
    # Make the kept reviewer the worst choice: a full re-run still cannot take an accepted one.
    Bid.objects.create(reviewer=reviewers[4], proposal=proposals[0], level=BidLevel.RATHER_NOT)
    rerun = assignment_run_create(cutoff=cutoff, by=officer)
    assignment_run_apply(run=rerun, by=officer)
    assert (reviewers[4].pk, proposals[0].pk) in _pairs()
    assert ReviewAssignment.objects.count() == 3


def test_only_officers_run_and_apply(cutoff, officer):
    _world(cutoff)
    run = assignment_run_create(cutoff=cutoff, by=officer)
    for user in [
        UserFactory(is_superuser=True, is_staff=True),
        CentreMembershipFactory().user,
        pool_reviewer(cutoff.call),
    ]:
        with pytest.raises(PermissionDenied):
            assignment_run_create(cutoff=cutoff, by=user)
        with pytest.raises(PermissionDenied):
            assignment_run_apply(run=run, by=user)
    assert AssignmentRun.objects.count() == 1 and ReviewAssignment.objects.count() == 0


# --- by hand -------------------------------------------------------------------------------------


def test_assign_and_remove_by_hand(cutoff, officer):
    proposal = eligible_proposal(cutoff)
    reviewer = pool_reviewer(cutoff.call)
    assignment = assignment_add(proposal=proposal, reviewer=reviewer, by=officer)
    assert assignment.source == "manual" and assignment.status == A.ASSIGNED
    with pytest.raises(ValidationError, match="already assigned"):
        assignment_add(proposal=proposal, reviewer=reviewer, by=officer)
    assignment_remove(assignment=assignment, by=officer)
    assert not ReviewAssignment.objects.exists()
    actions = list(Activity.objects.order_by("pk").values_list("verb", flat=True))
    # The first reviewer takes the eligible proposal into review, through the door.
    assert actions[-3:] == ["assignment.add", "proposal.start_review", "assignment.remove"]


def test_by_hand_a_conflicted_pair_is_refused(cutoff, officer):
    proposal = eligible_proposal(cutoff)
    reviewer = pool_reviewer(cutoff.call)
    DeclaredConflict.objects.create(
        reviewer=reviewer, organisation=proposal.organisation, type=ConflictType.EMPLOYMENT
    )
    with pytest.raises(ValidationError, match="conflict of interest"):
        assignment_add(proposal=proposal, reviewer=reviewer, by=officer)
    assert not ReviewAssignment.objects.exists()


def test_by_hand_a_reviewer_at_their_cap_is_refused(cutoff, officer):
    reviewer = pool_reviewer(cutoff.call)
    ReviewerProfile.objects.create(user=reviewer, max_load=1)
    assignment_add(proposal=eligible_proposal(cutoff), reviewer=reviewer, by=officer)
    with pytest.raises(ValidationError, match="at their cap of 1"):
        assignment_add(proposal=eligible_proposal(cutoff), reviewer=reviewer, by=officer)
    assert ReviewAssignment.objects.count() == 1


def test_by_hand_outsiders_and_unassignable_proposals_are_refused(cutoff, officer):
    proposal = eligible_proposal(cutoff)
    with pytest.raises(ValidationError, match="not in this call's pool"):
        assignment_add(proposal=proposal, reviewer=UserFactory(), by=officer)
    with pytest.raises(ValidationError, match="not in this call's pool"):
        assignment_add(
            proposal=proposal, reviewer=pool_reviewer(cutoff.call, terms=False), by=officer
        )
    submitted = eligible_proposal(cutoff, status=ProposalStatus.SUBMITTED)
    with pytest.raises(ValidationError, match="Only an eligible proposal"):
        assignment_add(proposal=submitted, reviewer=pool_reviewer(cutoff.call), by=officer)
    with pytest.raises(PermissionDenied):
        assignment_add(
            proposal=proposal,
            reviewer=pool_reviewer(cutoff.call),
            by=UserFactory(is_superuser=True, is_staff=True),
        )
    assert not ReviewAssignment.objects.exists()
