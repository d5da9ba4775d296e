"""Property (hypothesis): for random pools, organisations, teams and declared or detected
conflicts, every conflicted pair is in conflicted_pairs, and such a reviewer is never offered
the proposal to check, may never read it, and never finds its title on their page."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from applications.models import TeamMember
from portal.models import Membership
from reviews.models import DeclaredConflict, DetectedConflict
from reviews.selectors.conflicts import conflicted_pairs, may_read_proposal, proposals_to_check
from reviews.services.conflicts import (
    conflict_declare,
    conflicts_detect,
    detected_conflict_decide,
    no_conflict_confirm,
)
from tests.factories import (
    OrganisationFactory,
    ProgrammeOfficerFactory,
    TeamMemberFactory,
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
            elif link == "declared_proposal":
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
    client = Client()
    for reviewer in reviewers:
        offered = set(proposals_to_check(reviewer=reviewer).values_list("pk", flat=True))
        client.force_login(reviewer)
        page = client.get(reverse("reviews:reviewer_home")).content.decode()
        for proposal in proposals:
            if (reviewer.pk, proposal.pk) in pairs:
                assert proposal.pk not in offered
                assert not may_read_proposal(reviewer, proposal)
                assert proposal.title not in page
                check = reverse("reviews:conflict_check", kwargs={"pk": proposal.pk})
                assert client.get(check).status_code == 404
            else:
                assert proposal.pk in offered
                no_conflict_confirm(reviewer=reviewer, proposal=proposal)
                assert may_read_proposal(reviewer, proposal)


@pytest.fixture
def settings_staff(settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
