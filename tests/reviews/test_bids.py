"""Bids: a pool reviewer under accepted terms bids on the non-conflicted submitted proposals of a
cut-off (page and API, one service); conflicted pairs and outsiders are refused and never listed;
query counts of the bid page and the API."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from reviews.models import Bid, BidLevel, ConflictType, DeclaredConflict, DetectedConflict
from reviews.selectors.bids import bid_cutoffs, biddable_proposals
from reviews.services.bids import bid_set
from tests.factories import (
    CentreMembershipFactory,
    ProgrammeOfficerFactory,
    ProposalFactory,
    UserFactory,
)
from tests.reviews.pool_world import large_scale_cutoff, pool_reviewer, submitted_proposal

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _staff_without_totp(settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False


@pytest.fixture
def cutoff():
    return large_scale_cutoff()


def _bids_url(cutoff):
    return reverse("reviews:cutoff_bids", kwargs={"pk": cutoff.pk})


# --- the service -------------------------------------------------------------------------------


def test_a_pool_reviewer_bids_changes_and_withdraws(cutoff):
    proposal = submitted_proposal(cutoff)
    reviewer = pool_reviewer(cutoff.call)
    bid_set(reviewer=reviewer, proposal=proposal, level=BidLevel.EAGER)
    bid_set(reviewer=reviewer, proposal=proposal, level=BidLevel.RATHER_NOT)
    assert Bid.objects.get(reviewer=reviewer, proposal=proposal).level == BidLevel.RATHER_NOT
    assert bid_set(reviewer=reviewer, proposal=proposal, level=None) is None
    assert not Bid.objects.exists()


def test_an_unknown_level_is_refused_with_its_field(cutoff):
    proposal = submitted_proposal(cutoff)
    reviewer = pool_reviewer(cutoff.call)
    with pytest.raises(ValidationError) as exc:
        bid_set(reviewer=reviewer, proposal=proposal, level="keen")
    assert "level" in exc.value.message_dict
    assert not Bid.objects.exists()


@pytest.mark.parametrize("conflict", ["detected", "declared_proposal", "declared_organisation"])
def test_a_conflicted_pair_is_refused_and_never_listed(cutoff, conflict):
    proposal = submitted_proposal(cutoff, title="Secret fusion model")
    open_one = submitted_proposal(cutoff, title="Open proposal")
    reviewer = pool_reviewer(cutoff.call)
    if conflict == "detected":
        DetectedConflict.objects.create(
            cutoff=cutoff, reviewer=reviewer, proposal=proposal, rule="member", fact="x"
        )
    elif conflict == "declared_proposal":
        DeclaredConflict.objects.create(
            reviewer=reviewer, proposal=proposal, type=ConflictType.PERSONAL
        )
    else:
        DeclaredConflict.objects.create(
            reviewer=reviewer, organisation=proposal.organisation, type=ConflictType.EMPLOYMENT
        )
    with pytest.raises(PermissionDenied):
        bid_set(reviewer=reviewer, proposal=proposal, level=BidLevel.EAGER)
    assert list(biddable_proposals(reviewer=reviewer, cutoff=cutoff)) == [open_one]
    assert not Bid.objects.exists()


def test_a_dismissed_detected_conflict_no_longer_bars_a_bid(cutoff):
    proposal = submitted_proposal(cutoff)
    reviewer = pool_reviewer(cutoff.call)
    DetectedConflict.objects.create(
        cutoff=cutoff,
        reviewer=reviewer,
        proposal=proposal,
        rule="member",
        fact="x",
        status=DetectedConflict.Status.DISMISSED,
    )
    assert bid_set(reviewer=reviewer, proposal=proposal, level=BidLevel.WILLING) is not None


def test_outsiders_drafts_and_unaccepted_terms_are_refused(cutoff):
    proposal = submitted_proposal(cutoff)
    draft = ProposalFactory(cutoff=cutoff)
    reviewer = pool_reviewer(cutoff.call)
    without_terms = pool_reviewer(cutoff.call, terms=False)
    other_call_reviewer = pool_reviewer(large_scale_cutoff().call)
    for user, target in [
        (reviewer, draft),
        (without_terms, proposal),
        (other_call_reviewer, proposal),
        (UserFactory(), proposal),
        (ProgrammeOfficerFactory(), proposal),
        (proposal.created_by, proposal),
    ]:
        with pytest.raises(PermissionDenied):
            bid_set(reviewer=user, proposal=target, level=BidLevel.EAGER)
    assert not Bid.objects.exists()
    assert list(biddable_proposals(reviewer=without_terms, cutoff=cutoff)) == []
    assert list(bid_cutoffs(reviewer=without_terms)) == []
    assert list(bid_cutoffs(reviewer=reviewer)) == [cutoff]


# --- the page ----------------------------------------------------------------------------------


def test_the_reviewer_bids_from_their_page(client, cutoff):
    first = submitted_proposal(cutoff, title="Tiny LLM for tractors")
    second = submitted_proposal(cutoff, title="Wind farm twin")
    conflicted = submitted_proposal(cutoff, title="Secret fusion model")
    reviewer = pool_reviewer(cutoff.call)
    DeclaredConflict.objects.create(
        reviewer=reviewer, proposal=conflicted, type=ConflictType.PERSONAL
    )
    client.force_login(reviewer)
    home = client.get(reverse("reviews:reviewer_home")).content.decode()
    assert _bids_url(cutoff) in home
    page = client.get(_bids_url(cutoff)).content.decode()
    assert "Tiny LLM for tractors" in page and first.organisation.legal_name in page
    assert "Secret fusion model" not in page
    response = client.post(
        _bids_url(cutoff), {f"bid-{first.pk}": "eager", f"bid-{second.pk}": "rather_not"}
    )
    assert response.status_code == 302
    assert dict(Bid.objects.values_list("proposal_id", "level")) == {
        first.pk: "eager",
        second.pk: "rather_not",
    }
    # A bid on a conflicted proposal slipped into the post is ignored: it is not on the page.
    client.post(
        _bids_url(cutoff),
        {f"bid-{first.pk}": "", f"bid-{second.pk}": "rather_not", f"bid-{conflicted.pk}": "eager"},
    )
    assert dict(Bid.objects.values_list("proposal_id", "level")) == {second.pk: "rather_not"}


def test_a_bad_level_keeps_the_choices_and_saves_nothing(client, cutoff):
    first = submitted_proposal(cutoff)
    second = submitted_proposal(cutoff)
    reviewer = pool_reviewer(cutoff.call)
    client.force_login(reviewer)
    response = client.post(
        _bids_url(cutoff), {f"bid-{first.pk}": "keen", f"bid-{second.pk}": "willing"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Choose eager, willing, rather not or no bid." in page
    assert '<option value="willing" selected>' in page
    assert not Bid.objects.exists()


@pytest.mark.parametrize(
    "who", ["applicant", "assessor", "other_reviewer", "no_terms", "superuser", "officer"]
)
def test_only_pool_reviewers_reach_the_bid_page(client, cutoff, who):
    proposal = submitted_proposal(cutoff)
    user = {
        "applicant": lambda: proposal.created_by,
        "assessor": lambda: CentreMembershipFactory().user,
        "other_reviewer": lambda: pool_reviewer(large_scale_cutoff().call),
        "no_terms": lambda: pool_reviewer(cutoff.call, terms=False),
        "superuser": lambda: UserFactory(is_superuser=True, is_staff=True),
        "officer": ProgrammeOfficerFactory,
    }[who]()
    client.force_login(user)
    assert client.get(_bids_url(cutoff)).status_code == 404
    assert client.post(_bids_url(cutoff), {f"bid-{proposal.pk}": "eager"}).status_code == 404
    assert not Bid.objects.exists()


# --- the API -----------------------------------------------------------------------------------


def test_the_api_sets_lists_and_withdraws_bids(client, cutoff):
    proposal = submitted_proposal(cutoff)
    conflicted = submitted_proposal(cutoff)
    reviewer = pool_reviewer(cutoff.call)
    DeclaredConflict.objects.create(reviewer=reviewer, proposal=conflicted, type=ConflictType.OTHER)
    client.force_login(reviewer)
    url = reverse("reviews_api:reviewer_bids")
    response = client.post(
        url, {"proposal": proposal.pk, "level": "eager"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["level"] == "eager"
    listed = client.get(url).json()
    assert [(b["proposal"], b["cutoff"], b["level"]) for b in listed] == [
        (proposal.pk, cutoff.pk, "eager")
    ]
    refused = client.post(
        url, {"proposal": conflicted.pk, "level": "eager"}, content_type="application/json"
    )
    assert refused.status_code == 404
    bad = client.post(
        url, {"proposal": proposal.pk, "level": "keen"}, content_type="application/json"
    )
    assert bad.status_code == 400 and "level" in bad.json()
    withdrawn = client.post(
        url, {"proposal": proposal.pk, "level": None}, content_type="application/json"
    )
    assert withdrawn.status_code == 204 and client.get(url).json() == []


def test_a_bid_whose_proposal_turned_conflicted_leaves_the_api_list(client, cutoff):
    proposal = submitted_proposal(cutoff)
    reviewer = pool_reviewer(cutoff.call)
    bid_set(reviewer=reviewer, proposal=proposal, level=BidLevel.EAGER)
    DetectedConflict.objects.create(
        cutoff=cutoff, reviewer=reviewer, proposal=proposal, rule="member", fact="x"
    )
    client.force_login(reviewer)
    assert client.get(reverse("reviews_api:reviewer_bids")).json() == []


@pytest.mark.parametrize("who", ["applicant", "assessor", "superuser", "officer"])
def test_non_reviewers_have_no_bid_api(client, cutoff, who):
    proposal = submitted_proposal(cutoff)
    user = {
        "applicant": lambda: proposal.created_by,
        "assessor": lambda: CentreMembershipFactory().user,
        "superuser": lambda: UserFactory(is_superuser=True, is_staff=True),
        "officer": ProgrammeOfficerFactory,
    }[who]()
    client.force_login(user)
    url = reverse("reviews_api:reviewer_bids")
    assert client.get(url).status_code == 404
    body = {"proposal": proposal.pk, "level": "eager"}
    assert client.post(url, body, content_type="application/json").status_code == 404
    assert not Bid.objects.exists()


# --- query counts ------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 50])
def test_the_bid_page_and_api_cost_the_same_for_1_and_50(
    client, cutoff, n, django_assert_num_queries
):
    reviewer = pool_reviewer(cutoff.call)
    for _ in range(n):
        proposal = submitted_proposal(cutoff)
        bid_set(reviewer=reviewer, proposal=proposal, level=BidLevel.WILLING)
    client.force_login(reviewer)
    url = _bids_url(cutoff)
    client.get(url)  # warm the per-process caches (content types, sessions)
    with django_assert_num_queries(QUERIES_BID_PAGE):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count('<option value="willing" selected>') == n
    api = reverse("reviews_api:reviewer_bids")
    client.get(api)
    with django_assert_num_queries(QUERIES_BID_API):
        response = client.get(api)
    assert len(response.json()) == n


QUERIES_BID_PAGE = 10
QUERIES_BID_API = 5
