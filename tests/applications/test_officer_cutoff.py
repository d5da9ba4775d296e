"""The officer's view of a cut-off: submitted proposals, filters, demand against the pools."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from applications.models import ProposalStatus
from applications.modes import AccessMode
from tests.factories import (
    CallFactory,
    CallPartitionFactory,
    CutOffFactory,
    CutOffPoolFactory,
    OrganisationFactory,
    PartitionFactory,
    ProgrammeOfficerFactory,
    ProposalFactory,
    ResourceRequestFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _staff_without_totp(settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False


@pytest.fixture
def officer_client(client):
    client.force_login(ProgrammeOfficerFactory())
    return client


@pytest.fixture
def cutoff_setup():
    call = CallFactory(mode=AccessMode.FAST_LANE)
    cutoff = CutOffFactory(call=call)
    mn5 = CallPartitionFactory(call=call, partition=PartitionFactory(system_name="MareNostrum 5"))
    lumi = CallPartitionFactory(call=call, partition=PartitionFactory(system_name="LUMI"))
    CutOffPoolFactory(cutoff=cutoff, offered_partition=mn5, pool__hours=Decimal(100_000))
    CutOffPoolFactory(cutoff=cutoff, offered_partition=lumi, pool__hours=Decimal(40_000))
    return cutoff, mn5, lumi


_seq = iter(range(1, 100_000))


def _submitted(cutoff, *, status=ProposalStatus.SUBMITTED, country="DE", requests=()):
    n = next(_seq)
    proposal = ProposalFactory(
        cutoff=cutoff,
        status=status,
        submitted_at=timezone.now(),
        reference=f"AIF-FL-2026-12-{n:04d}",
        organisation=OrganisationFactory(country=country),
    )
    for offered, hours in requests:
        ResourceRequestFactory(proposal=proposal, offered_partition=offered, hours=Decimal(hours))
    return proposal


def _url(cutoff, **query):
    url = reverse("applications:officer_cutoff", args=[cutoff.pk])
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


def test_lists_submitted_proposals_but_not_drafts(officer_client, cutoff_setup):
    cutoff, mn5, _ = cutoff_setup
    shown = _submitted(cutoff, requests=[(mn5, 20_000)])
    draft = ProposalFactory(cutoff=cutoff, title="Unfinished draft")
    other_cutoff = _submitted(CutOffFactory(call=cutoff.call))
    page = officer_client.get(_url(cutoff)).content.decode()
    assert shown.reference in page
    assert "20,000 GPU-hours" in page
    assert "Submitted: eligibility check due" in page  # the staff label of the path
    assert draft.title not in page
    assert other_cutoff.reference not in page


def test_demand_per_partition_is_aggregated_against_the_pool(officer_client, cutoff_setup):
    cutoff, mn5, lumi = cutoff_setup
    _submitted(cutoff, requests=[(mn5, 30_000), (lumi, 25_000)])
    _submitted(cutoff, requests=[(mn5, 50_000), (lumi, 20_000)])
    _submitted(cutoff, status=ProposalStatus.WITHDRAWN, requests=[(mn5, 45_000)])
    _submitted(cutoff, status=ProposalStatus.INELIGIBLE, requests=[(lumi, 45_000)])
    ResourceRequestFactory(proposal=ProposalFactory(cutoff=cutoff), offered_partition=mn5)
    response = officer_client.get(_url(cutoff))
    demand = {row.partition.system_name: row for row in response.context["demand"]}
    assert demand["MareNostrum 5"].requested_hours == 80_000
    assert demand["MareNostrum 5"].proposal_count == 2
    assert demand["MareNostrum 5"].pool_hours == 100_000
    assert demand["LUMI"].requested_hours == 45_000
    page = response.content.decode()
    assert "80 %" in page
    assert "113 % — oversubscribed" in page


def test_filters_by_partition_country_and_status(officer_client, cutoff_setup):
    cutoff, mn5, lumi = cutoff_setup
    german = _submitted(cutoff, country="DE", requests=[(mn5, 20_000)])
    french = _submitted(
        cutoff, country="FR", status=ProposalStatus.ELIGIBLE, requests=[(lumi, 20_000)]
    )

    def listed(**query):
        return set(officer_client.get(_url(cutoff, **query)).context["proposals"])

    assert listed() == {german, french}
    assert listed(partition=lumi.partition_id) == {french}
    assert listed(country="DE") == {german}
    assert listed(status="eligible") == {french}


def test_cutoff_view_offers_no_mode_filter(officer_client, cutoff_setup):
    """Every proposal of a cut-off shares the call's mode: a mode filter there would do nothing."""
    cutoff, mn5, _ = cutoff_setup
    german = _submitted(cutoff, country="DE", requests=[(mn5, 20_000)])
    response = officer_client.get(_url(cutoff, mode="large_scale"))
    page = response.content.decode()
    assert 'name="mode"' not in page
    assert "Any mode" not in page
    assert 'name="country"' in page
    assert set(response.context["proposals"]) == {german}  # a stray ?mode= is ignored
    everything = officer_client.get(reverse("applications:officer_proposals")).content.decode()
    assert 'name="mode"' in everything and "Any mode" in everything


def test_list_is_paginated(officer_client, cutoff_setup):
    cutoff, _, _ = cutoff_setup
    for _ in range(51):
        _submitted(cutoff)
    first = officer_client.get(_url(cutoff))
    assert len(first.context["proposals"]) == 50
    assert "Page 1 of 2" in first.content.decode()
    assert len(officer_client.get(_url(cutoff, page=2)).context["proposals"]) == 1


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_query_count_is_the_same_for_1_and_50_proposals(officer_client, cutoff_setup):
    cutoff, mn5, lumi = cutoff_setup
    _submitted(cutoff, requests=[(mn5, 20_000), (lumi, 10_000)])
    one = _count(officer_client, _url(cutoff))
    one_filtered = _count(officer_client, _url(cutoff, partition=mn5.partition_id, country="DE"))
    for _ in range(49):
        _submitted(cutoff, requests=[(mn5, 20_000), (lumi, 10_000)])
    assert _count(officer_client, _url(cutoff)) == one
    assert _count(officer_client, _url(cutoff, partition=mn5.partition_id, country="DE")) == (
        one_filtered
    )


def test_all_submitted_proposals_page_spans_calls(officer_client, cutoff_setup):
    cutoff, _, _ = cutoff_setup
    here = _submitted(cutoff)
    elsewhere = _submitted(CutOffFactory(call=CallFactory(mode=AccessMode.LARGE_SCALE)))
    response = officer_client.get(reverse("applications:officer_proposals") + "?mode=large_scale")
    assert set(response.context["proposals"]) == {elsewhere}
    assert here.reference not in response.content.decode()


def test_non_officers_get_404(client, cutoff_setup):
    cutoff, _, _ = cutoff_setup
    proposal = _submitted(cutoff)
    client.force_login(UserFactory())
    response = client.get(_url(cutoff))
    assert response.status_code == 404
    assert proposal.reference not in response.content.decode()
