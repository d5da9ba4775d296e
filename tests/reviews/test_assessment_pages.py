"""The assessor's workspace: only their centres' requests, never another centre's comment to the
panel, bad input kept, and a query count that does not grow with the rows."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from applications.models import ProposalStatus
from reviews.models import TechnicalAssessment
from reviews.services.assessments import assessment_submit
from tests.factories import (
    CallPartitionFactory,
    CentreMembershipFactory,
    PartitionFactory,
    ResourceRequestFactory,
    SubmittableProposalFactory,
    advance,
)

pytestmark = pytest.mark.django_db
Out = TechnicalAssessment.Outcome
SECRET = "CSC queues are full until March; do not fund"


def eligible_proposal(centres, capture):
    """An eligible proposal with one request at each of `centres`."""
    proposal = SubmittableProposalFactory(request=False)
    for centre in centres:
        ResourceRequestFactory(
            proposal=proposal,
            offered_partition=CallPartitionFactory(
                call=proposal.call, partition=PartitionFactory(centre=centre)
            ),
        )
    with capture(execute=True):
        return advance(proposal, to=ProposalStatus.ELIGIBLE)


@pytest.fixture
def two_centres(django_capture_on_commit_callbacks):
    bsc = CentreMembershipFactory(centre__short_name="BSC")
    csc = CentreMembershipFactory(centre__short_name="CSC")
    shared = eligible_proposal([bsc.centre, csc.centre], django_capture_on_commit_callbacks)
    csc_only = eligible_proposal([csc.centre], django_capture_on_commit_callbacks)
    at_csc = TechnicalAssessment.objects.get(proposal=shared, centre=csc.centre)
    assessment_submit(
        assessment=at_csc,
        by=csc.user,
        outcome=Out.FEASIBLE_WITH_CHANGES,
        recommended_hours=10000,
        comment_to_panel=SECRET,
    )
    return bsc, csc, shared, csc_only


def test_the_assessor_sees_only_their_centres_requests(client, two_centres):
    bsc, csc, shared, csc_only = two_centres
    client.force_login(bsc.user)
    page = client.get(reverse("reviews:assessment_list")).content.decode()
    assert shared.title in page and csc_only.title not in page
    mine = TechnicalAssessment.objects.get(proposal=shared, centre=bsc.centre)
    assert client.get(reverse("reviews:assessment_detail", args=[mine.pk])).status_code == 200
    for theirs in TechnicalAssessment.objects.filter(centre=csc.centre):
        url = reverse("reviews:assessment_detail", args=[theirs.pk])
        assert client.get(url).status_code == 404
        assert (
            client.post(url, {"outcome": "feasible", "recommended_hours": "1"}).status_code == 404
        )
    # A proposal with nothing on their centre is not theirs to read.
    detail = reverse("applications:proposal_detail", args=[csc_only.pk])
    assert client.get(detail).status_code == 404
    # No page they can reach shows the other centre's comment to the panel.
    for url in (
        reverse("reviews:assessment_list"),
        reverse("reviews:assessment_detail", args=[mine.pk]),
        reverse("applications:proposal_detail", args=[shared.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert SECRET not in response.content.decode(), url
    # Their own centre's assessor reads it back.
    client.force_login(csc.user)
    theirs = TechnicalAssessment.objects.get(proposal=shared, centre=csc.centre)
    assert (
        SECRET
        in client.get(reverse("reviews:assessment_detail", args=[theirs.pk])).content.decode()
    )


def test_people_who_assess_for_no_centre_get_a_404(client, two_centres, django_user_model):
    bsc, csc, shared, _ = two_centres
    applicant = shared.created_by
    client.force_login(applicant)
    assert client.get(reverse("reviews:assessment_list")).status_code == 404
    mine = TechnicalAssessment.objects.get(proposal=shared, centre=bsc.centre)
    assert client.get(reverse("reviews:assessment_detail", args=[mine.pk])).status_code == 404
    assert (
        SECRET
        not in client.get(
            reverse("applications:proposal_detail", args=[shared.pk])
        ).content.decode()
    )
    administrator = CentreMembershipFactory(centre=bsc.centre, administrator=True).user
    client.force_login(administrator)
    assert client.get(reverse("reviews:assessment_list")).status_code == 404


def test_bad_input_is_refused_clearly_and_nothing_typed_is_lost(client, two_centres):
    bsc, _, shared, _ = two_centres
    mine = TechnicalAssessment.objects.get(proposal=shared, centre=bsc.centre)
    client.force_login(bsc.user)
    url = reverse("reviews:assessment_detail", args=[mine.pk])
    response = client.post(
        url,
        {
            "outcome": "feasible_with_changes",
            "recommended_hours": "999999",
            "comment_to_applicant": "Split the runs into 12-hour jobs.",
            "comment_to_panel": "Fine otherwise.",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Recommend at most the 20,000 hours requested." in page
    assert "Split the runs into 12-hour jobs." in page and "Fine otherwise." in page
    assert TechnicalAssessment.objects.get(pk=mine.pk).status == "open"
    response = client.post(url, {"recommended_hours": "100", "comment_to_panel": "x" * 5001})
    page = response.content.decode()
    assert "Choose feasible, feasible with changes or not feasible." in page
    assert "at most 5000 characters" in page
    response = client.post(
        url,
        {"outcome": "feasible", "recommended_hours": "20000", "comment_to_panel": "Fine."},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("reviews:assessment_list")
    page = response.content.decode()
    assert "Your technical assessment was submitted." in page
    assert "Nothing is waiting for your assessment." in page
    mine.refresh_from_db()
    assert (mine.status, mine.recommended_hours) == ("submitted", Decimal("20000"))
    assert mine.comment_to_panel == "Fine."


def test_the_workspace_makes_as_many_queries_for_20_rows_as_for_1(
    client, django_capture_on_commit_callbacks
):
    member = CentreMembershipFactory()
    client.force_login(member.user)
    url = reverse("reviews:assessment_list")

    def count():
        client.get(url)  # warm the session and the per-request caches alike
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    eligible_proposal([member.centre], django_capture_on_commit_callbacks)
    one = count()
    for _ in range(19):
        eligible_proposal([member.centre], django_capture_on_commit_callbacks)
    waiting = TechnicalAssessment.objects.filter(centre=member.centre)[:5]
    for assessment in waiting:
        assessment_submit(
            assessment=assessment, by=member.user, outcome=Out.FEASIBLE, recommended_hours=100
        )
    assert count() == one
