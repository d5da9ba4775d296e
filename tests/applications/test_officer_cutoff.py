"""The officer's view of a cut-off: submitted proposals, filters, demand against the pools."""

import threading
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connections
from django.urls import reverse
from django.utils import timezone

from applications.models import CutOffClockCount, CutOffDemand, Proposal, ProposalStatus
from applications.modes import AccessMode
from applications.selectors.calls import cutoff_counts_aggregate, cutoff_demand
from applications.services.proposals import (
    cutoff_counts_rebuild,
    proposal_submit,
    proposal_withdraw,
    resource_request_save,
)
from applications.services.proposals.demand import clock_key
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
    advance,
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


def _offered(call):
    offered = call.offered_partitions.first()
    return offered or CallPartitionFactory(call=call)


def _move(proposal, status):
    """On along the evaluation path through the one door, which keeps the cut-off's figures."""
    return advance(proposal, to=status)


def _submitted(cutoff, *, status=ProposalStatus.SUBMITTED, country="DE", requests=()):
    """A proposal submitted through the service (then withdrawn, or moved on, if asked)."""
    proposal = ProposalFactory(
        cutoff=cutoff, complete=True, organisation=OrganisationFactory(country=country)
    )
    if not requests:
        offered = _offered(cutoff.call)
        requests = [(offered, offered.min_hours)]
    for offered, hours in requests:
        ResourceRequestFactory(
            proposal=proposal,
            offered_partition=offered,
            hours=Decimal(hours),
            duration_months=cutoff.call.durations_months[0],
        )
    proposal = proposal_submit(proposal=proposal, by=proposal.created_by)
    if status == ProposalStatus.WITHDRAWN:
        proposal = proposal_withdraw(proposal=proposal, by=proposal.created_by, reason="Elsewhere.")
    elif status != ProposalStatus.SUBMITTED:
        proposal = _move(proposal, status)
    return proposal


def _bulk_submitted(cutoff, n: int) -> None:
    """n proposals written in bulk (as the bench and imports do), then the figures rebuilt."""
    drafts = ProposalFactory.create_batch(n, cutoff=cutoff, team=False)
    now = timezone.now()
    for i, draft in enumerate(drafts):
        Proposal.objects.filter(pk=draft.pk).update(
            status=ProposalStatus.SUBMITTED,
            submitted_at=now,
            reference=f"AIF-FL-BULK-{draft.pk:05d}-{i}",
        )
    cutoff_counts_rebuild(cutoff=cutoff)


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
        rows = officer_client.get(_url(cutoff, **query)).context["proposals"]
        return {row.pk for row in rows}

    assert listed() == {german.pk, french.pk}
    assert listed(partition=lumi.partition_id) == {french.pk}
    assert listed(country="DE") == {german.pk}
    assert listed(status="eligible") == {french.pk}


def test_cutoff_view_offers_no_mode_filter(officer_client, cutoff_setup):
    """Every proposal of a cut-off shares the call's mode: a mode filter there would do nothing."""
    cutoff, mn5, _ = cutoff_setup
    german = _submitted(cutoff, country="DE", requests=[(mn5, 20_000)])
    response = officer_client.get(_url(cutoff, mode="large_scale"))
    page = response.content.decode()
    assert 'name="mode"' not in page
    assert "Any mode" not in page
    assert 'name="country"' in page
    assert [row.pk for row in response.context["proposals"]] == [german.pk]  # ?mode= ignored
    everything = officer_client.get(reverse("applications:officer_proposals")).content.decode()
    assert 'name="mode"' in everything and "Any mode" in everything


def test_list_is_paginated_with_its_size_from_the_kept_figures(officer_client, cutoff_setup):
    cutoff, _, _ = cutoff_setup
    _bulk_submitted(cutoff, 51)
    first = officer_client.get(_url(cutoff))
    assert len(first.context["proposals"]) == 50
    assert first.context["total"] == 51
    assert "Page 1 of 2" in first.content.decode()
    assert len(officer_client.get(_url(cutoff, page=2)).context["proposals"]) == 1


def test_filtered_list_is_paginated_without_counting(officer_client, cutoff_setup):
    cutoff, _, _ = cutoff_setup
    _bulk_submitted(cutoff, 51)
    first = officer_client.get(_url(cutoff, status="submitted"))
    assert first.context["total"] is None
    assert len(first.context["proposals"]) == 50
    page = first.content.decode()
    assert "Page 1<" in page and "Page 1 of" not in page
    assert "page=2" in page  # a next page is offered
    second = officer_client.get(_url(cutoff, status="submitted", page=2))
    assert len(second.context["proposals"]) == 1
    assert "page=3" not in second.content.decode()
    assert "page=1" in second.content.decode()


def test_a_lagging_figure_never_hides_a_row(officer_client, cutoff_setup):
    """The kept count only numbers the pages; the rows come from the list itself."""
    cutoff, _, _ = cutoff_setup
    shown = _submitted(cutoff)
    type(cutoff).objects.filter(pk=cutoff.pk).update(submitted_count=0)
    assert [row.pk for row in officer_client.get(_url(cutoff)).context["proposals"]] == [shown.pk]


@pytest.mark.parametrize("filtered", [False, True], ids=["whole list", "filtered"])
def test_query_count_is_the_same_for_1_and_50_proposals(
    officer_client, cutoff_setup, assert_queries_constant, filtered
):
    cutoff, mn5, lumi = cutoff_setup
    url = _url(cutoff, partition=mn5.partition_id, country="DE") if filtered else _url(cutoff)
    _submitted(cutoff, requests=[(mn5, 20_000), (lumi, 10_000)])

    def grow():
        for _ in range(54):
            _submitted(cutoff, requests=[(mn5, 20_000), (lumi, 10_000)])

    assert_queries_constant(
        lambda: officer_client.get(url).status_code == 200 or pytest.fail(url),
        grow=grow,
        # 14 before the time to access: + the closure days, + the cut-off's clocks by day.
        at_most=16,
    )
    assert len(officer_client.get(url).context["proposals"]) == 50


def test_all_submitted_proposals_page_spans_calls(officer_client, cutoff_setup):
    cutoff, _, _ = cutoff_setup
    here = _submitted(cutoff)
    elsewhere = _submitted(CutOffFactory(call=CallFactory(mode=AccessMode.LARGE_SCALE)))
    response = officer_client.get(reverse("applications:officer_proposals") + "?mode=large_scale")
    assert [row.pk for row in response.context["proposals"]] == [elsewhere.pk]
    assert here.reference not in response.content.decode()


def test_non_officers_get_404(client, cutoff_setup):
    cutoff, _, _ = cutoff_setup
    proposal = _submitted(cutoff)
    client.force_login(UserFactory())
    response = client.get(_url(cutoff))
    assert response.status_code == 404
    assert proposal.reference not in response.content.decode()


# --- the kept figures --------------------------------------------------------------------------


def _kept(cutoff):
    cutoff.refresh_from_db()
    rows = {
        row.pk: (row.requested_hours, row.proposal_count)
        for row in cutoff_demand(cutoff=cutoff)
        if row.proposal_count or row.requested_hours
    }
    return cutoff.submitted_count, rows


def _fresh(cutoff):
    return cutoff_counts_aggregate(cutoff=cutoff)


def _clocks_kept(cutoff):
    rows = CutOffClockCount.objects.filter(cutoff=cutoff, proposal_count__gt=0)
    return {(r.submitted_on, r.decided_on, r.decided): r.proposal_count for r in rows}


def _clocks_fresh(cutoff):
    """The time-to-access clocks counted afresh from every proposal of the cut-off."""
    counts = {}
    for proposal in Proposal.objects.filter(cutoff=cutoff):
        key = clock_key(
            mode=cutoff.call.mode,
            status=proposal.status,
            submitted_at=proposal.submitted_at,
            decided_at=proposal.decided_at,
        )
        if key is not None:
            counts[key] = counts.get(key, 0) + 1
    return counts


def _all_kept_right(cutoff):
    return _kept(cutoff) == _fresh(cutoff) and _clocks_kept(cutoff) == _clocks_fresh(cutoff)


def test_kept_figures_follow_submit_withdraw_and_request_edits(cutoff_setup):
    cutoff, mn5, lumi = cutoff_setup
    assert _kept(cutoff) == (0, {}) == _fresh(cutoff)

    first = _submitted(cutoff, requests=[(mn5, 30_000), (lumi, 25_000)])
    assert _kept(cutoff) == (1, {mn5.pk: (30_000, 1), lumi.pk: (25_000, 1)}) == _fresh(cutoff)

    second = _submitted(cutoff, requests=[(mn5, 50_000)])
    assert _kept(cutoff) == (2, {mn5.pk: (80_000, 2), lumi.pk: (25_000, 1)}) == _fresh(cutoff)

    # A draft's requests are not demand: adding, changing and removing them changes nothing.
    draft = ProposalFactory(cutoff=cutoff, complete=True)
    saved = resource_request_save(
        proposal=draft, by=draft.created_by, offered_partition=lumi, hours=Decimal(40_000),
        job_size=8, storage_tb=Decimal(1), duration_months=3, justification="Fine-tuning.",
    )  # fmt: skip
    resource_request_save(
        proposal=draft, by=draft.created_by, offered_partition=lumi, hours=Decimal(45_000),
        job_size=8, storage_tb=Decimal(1), duration_months=3, justification="Fine-tuning.",
        resource_request=saved, expected_version=saved.version,
    )  # fmt: skip
    assert _kept(cutoff) == _fresh(cutoff) == (2, {mn5.pk: (80_000, 2), lumi.pk: (25_000, 1)})
    # ... until it is submitted.
    proposal_submit(proposal=draft, by=draft.created_by)
    assert _kept(cutoff) == _fresh(cutoff) == (3, {mn5.pk: (80_000, 2), lumi.pk: (70_000, 2)})

    assert _all_kept_right(cutoff) and sum(_clocks_kept(cutoff).values()) == 3

    # Withdrawn: still listed, no longer demand, no clock.
    proposal_withdraw(proposal=first, by=first.created_by, reason="Compute found elsewhere.")
    assert _kept(cutoff) == _fresh(cutoff) == (3, {mn5.pk: (50_000, 1), lumi.pk: (45_000, 1)})
    assert _all_kept_right(cutoff) and sum(_clocks_kept(cutoff).values()) == 2

    # Ineligible (an officer's decision): no longer demand either; its clock has stopped.
    _move(second, ProposalStatus.INELIGIBLE)
    assert _kept(cutoff) == _fresh(cutoff) == (3, {lumi.pk: (45_000, 1)})
    assert _all_kept_right(cutoff)
    assert [key[2] for key in _clocks_kept(cutoff)].count(True) == 1

    # A draft withdrawn without ever being submitted is neither listed nor demand.
    unsent = ProposalFactory(cutoff=cutoff, complete=True)
    ResourceRequestFactory(proposal=unsent, offered_partition=mn5)
    proposal_withdraw(proposal=unsent, by=unsent.created_by, reason="Not this time.")
    assert _kept(cutoff) == _fresh(cutoff) == (3, {lumi.pk: (45_000, 1)})


def test_rebuild_recomputes_figures_written_in_bulk(cutoff_setup):
    cutoff, mn5, lumi = cutoff_setup
    _submitted(cutoff, requests=[(mn5, 30_000)])
    CutOffDemand.objects.filter(cutoff=cutoff).update(requested_hours=1, proposal_count=7)
    type(cutoff).objects.filter(pk=cutoff.pk).update(submitted_count=9)
    assert _kept(cutoff) != _fresh(cutoff)
    out = StringIO()
    call_command("rebuild_cutoff_figures", cutoff=cutoff.pk, stdout=out)
    assert "rebuilt for 1 cut-off" in out.getvalue()
    assert _kept(cutoff) == _fresh(cutoff) == (1, {mn5.pk: (30_000, 1)})
    CutOffDemand.objects.filter(cutoff=cutoff).delete()
    assert cutoff_counts_rebuild() >= 1  # every cut-off
    assert _kept(cutoff) == _fresh(cutoff)
    CutOffClockCount.objects.filter(cutoff=cutoff).update(proposal_count=5)
    assert not _all_kept_right(cutoff)
    cutoff_counts_rebuild(cutoff=cutoff)
    assert _all_kept_right(cutoff) and _clocks_kept(cutoff)
    with pytest.raises(CommandError, match="No cut-off has the id 0"):
        call_command("rebuild_cutoff_figures", cutoff=0)


@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_all_count(require_postgresql, cutoff_setup):
    """Submissions committing at the same moment add up in the kept figures (F() updates under
    the row lock), whichever creates the row."""
    cutoff, mn5, lumi = cutoff_setup
    drafts = []
    for _ in range(6):
        draft = ProposalFactory(cutoff=cutoff, complete=True)
        ResourceRequestFactory(proposal=draft, offered_partition=mn5, hours=Decimal(20_000))
        ResourceRequestFactory(proposal=draft, offered_partition=lumi, hours=Decimal(10_000))
        drafts.append(draft)
    start = threading.Barrier(len(drafts))
    errors = []

    def submit(draft):
        try:
            start.wait()
            proposal_submit(proposal=draft, by=draft.created_by)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(d,)) for d in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert _kept(cutoff) == _fresh(cutoff) == (6, {mn5.pk: (120_000, 6), lumi.pk: (60_000, 6)})


def test_rows_escape_what_applicants_typed(officer_client, cutoff_setup):
    cutoff, mn5, _ = cutoff_setup
    proposal = _submitted(cutoff, requests=[(mn5, 20_000)])
    Proposal.objects.filter(pk=proposal.pk).update(
        title='<script>alert("x")</script>', acronym="A&B"
    )
    page = officer_client.get(_url(cutoff)).content.decode()
    assert "<script>alert" not in page
    assert "<bdi>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</bdi>" in page
    assert "(<bdi>A&amp;B</bdi>)" in page
    assert f'href="/evaluation/proposals/{proposal.pk}/"' in page


def test_the_migration_computes_the_figures_of_existing_cut_offs(cutoff_setup):
    """The figures' migration fills them from proposals submitted before it ran."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module(
        "applications.migrations.0007_cutoff_kept_figures_and_list_indexes"
    )
    cutoff, mn5, lumi = cutoff_setup
    _submitted(cutoff, requests=[(mn5, 30_000), (lumi, 20_000)])
    _submitted(cutoff, status=ProposalStatus.WITHDRAWN, requests=[(mn5, 45_000)])
    _submitted(cutoff, status=ProposalStatus.INELIGIBLE, requests=[(lumi, 45_000)])
    expected = _fresh(cutoff)
    CutOffDemand.objects.all().delete()
    type(cutoff).objects.update(submitted_count=0)

    migration.fill_kept_figures(apps, None)
    assert _kept(cutoff) == expected == (3, {mn5.pk: (30_000, 1), lumi.pk: (20_000, 1)})
