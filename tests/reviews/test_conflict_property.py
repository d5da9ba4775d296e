"""Property (hypothesis): for random pools, organisations, teams and declared or detected
conflicts, every conflicted pair is in conflicted_pairs, and such a reviewer is never offered
the proposal to check, may never read it, and never finds its title, a review or a score of it
on their pages, the panel ranking (page, notes, API) or their API (even when assigned before the
conflict came to light)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from applications.models import Proposal, ProposalStatus, TeamMember
from portal.models import Membership
from reviews.models import DeclaredConflict, DetectedConflict, PanelNote, ReviewAssignment
from reviews.selectors.conflicts import (
    conflicted_pairs,
    may_read_proposal,
    proposals_to_check,
    reviewer_conflicts_with,
)
from reviews.services.conflicts import (
    conflict_declare,
    conflicts_detect,
    detected_conflict_decide,
    no_conflict_confirm,
)
from tests.factories import (
    EvaluationCriterionFactory,
    OrganisationFactory,
    ProgrammeOfficerFactory,
    TeamMemberFactory,
    submitted_review,
)
from tests.reviews.pool_world import large_scale_cutoff, pool_reviewer, submitted_proposal

pytestmark = pytest.mark.django_db

LINKS = st.sampled_from(["none", "member", "team", "declared_org", "declared_proposal"])


@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(
    links=st.lists(st.lists(LINKS, min_size=3, max_size=3), min_size=1, max_size=3),
    dismiss_first=st.booleans(),
)
def test_no_conflicted_reviewer_sees_the_proposal(links, dismiss_first, settings_staff):
    cutoff = large_scale_cutoff()
    organisations = [OrganisationFactory() for _ in range(2)]
    proposals = [
        submitted_proposal(cutoff, organisation=organisations[i % 2], title=f"Secret title {i}")
        for i in range(3)
    ]
    reviewers = [pool_reviewer(cutoff.call) for _ in links]
    expected, declared = set(), set()
    for reviewer, row in zip(reviewers, links, strict=True):
        for proposal, link in zip(proposals, row, strict=True):
            if link == "member":
                Membership.objects.get_or_create(organisation=proposal.organisation, user=reviewer)
            elif link == "team":
                TeamMemberFactory(proposal=proposal, user=reviewer)
            elif link == "declared_proposal" and not reviewer_conflicts_with(
                reviewer=reviewer, proposal=proposal
            ):
                # A proposal already declared (through its organisation) is not shown again.
                conflict_declare(reviewer=reviewer, proposal=proposal, type="personal")
            elif link == "declared_org" and (reviewer.pk, proposal.organisation_id) not in declared:
                declared.add((reviewer.pk, proposal.organisation_id))
                conflict_declare(
                    reviewer=reviewer, organisation=proposal.organisation, type="financial"
                )
    conflicts_detect(cutoff=cutoff)
    if dismiss_first and (first := DetectedConflict.objects.filter(cutoff=cutoff).first()):
        detected_conflict_decide(
            conflict=first, by=ProgrammeOfficerFactory(), confirm=False, reason="Checked"
        )
    # What must hold whatever the detection found: membership covers every proposal of the
    # organisation; a declaration for an organisation too.
    for reviewer in reviewers:
        for proposal in proposals:
            pair = (reviewer.pk, proposal.pk)
            member = Membership.objects.filter(
                user=reviewer, organisation=proposal.organisation
            ).exists()
            team = TeamMember.objects.filter(user=reviewer, proposal=proposal).exists()
            declared = (
                DeclaredConflict.objects.filter(reviewer=reviewer)
                .filter(organisation=proposal.organisation)
                .exists()
                or DeclaredConflict.objects.filter(reviewer=reviewer, proposal=proposal).exists()
            )
            dismissed_all = (
                not DetectedConflict.objects.filter(reviewer=reviewer, proposal=proposal)
                .exclude(status="dismissed")
                .exists()
            )
            if declared or ((member or team) and not dismissed_all):
                expected.add(pair)
    pairs = conflicted_pairs(cutoff)
    assert pairs == expected
    # Every reviewer is on every proposal, as if assigned before a conflict came to light; the
    # first proposal has a submitted review by a non-conflicted reviewer, when there is one.
    assignments = {
        (r.pk, p.pk): ReviewAssignment.objects.create(reviewer=r, proposal=p, source="manual")
        for r in reviewers
        for p in proposals
    }
    criterion = EvaluationCriterionFactory(call=cutoff.call)
    scored = next((r for r in reviewers if (r.pk, proposals[0].pk) not in pairs), None)
    if scored is not None:
        no_conflict_confirm(reviewer=scored, proposal=proposals[0])
        submitted_review(
            assignments[(scored.pk, proposals[0].pk)],
            scores={criterion.pk: 4},
            comments={criterion.pk: "Secret review comment"},
        )
    # In review, so that the panel ranking lists them (and the panel's reviewers read it).
    Proposal.objects.filter(pk__in=[p.pk for p in proposals]).update(
        status=ProposalStatus.IN_REVIEW
    )
    PanelNote.objects.bulk_create(
        PanelNote(proposal=p, text=f"Panel note on {p.title}") for p in proposals
    )
    client = Client()
    for reviewer in reviewers:
        offered = set(proposals_to_check(reviewer=reviewer).values_list("pk", flat=True))
        client.force_login(reviewer)
        page = client.get(reverse("reviews:reviewer_home")).content.decode()
        reachable = page + "".join(
            client.get(reverse(name)).content.decode()
            for name in (
                "reviews_api:reviewer_reviews",
                "reviews_api:reviewer_assignments",
                "reviews_api:reviewer_bids",
                "reviews:reviewer_panels",
            )
        )
        ranking = client.get(reverse("reviews:ranking", kwargs={"pk": cutoff.pk}))
        ranking_api = client.get(reverse("reviews_api:cutoff_ranking", kwargs={"id": cutoff.pk}))
        assert ranking.status_code == ranking_api.status_code == 200
        reachable += ranking.content.decode() + ranking_api.content.decode()
        for proposal in proposals:
            if (reviewer.pk, proposal.pk) in pairs:
                assert proposal.pk not in offered
                assert not may_read_proposal(reviewer, proposal)
                assert proposal.title not in reachable
                assert "Secret review comment" not in reachable
                check = reverse("reviews:conflict_check", kwargs={"pk": proposal.pk})
                assert client.get(check).status_code == 404
                assert f"Panel note on {proposal.title}" not in reachable
                notes = reverse(
                    "reviews:ranking_notes", kwargs={"pk": cutoff.pk, "proposal": proposal.pk}
                )
                assert client.get(notes).status_code == 404
                assignment = assignments[(reviewer.pk, proposal.pk)]
                for url in (
                    reverse("reviews:review", kwargs={"pk": assignment.pk}),
                    reverse("reviews_api:reviewer_review", kwargs={"id": assignment.pk}),
                ):
                    response = client.get(url)
                    assert response.status_code == 404
                    assert proposal.title not in response.content.decode()
            else:
                # Confirmed already (the scored reviewer) or still offered to check.
                assert (proposal.pk in offered) != (reviewer == scored and proposal == proposals[0])
                no_conflict_confirm(reviewer=reviewer, proposal=proposal)
                assert may_read_proposal(reviewer, proposal)
                review = reverse(
                    "reviews:review", kwargs={"pk": assignments[(reviewer.pk, proposal.pk)].pk}
                )
                assert client.get(review).status_code == 200


@pytest.fixture
def settings_staff(settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
