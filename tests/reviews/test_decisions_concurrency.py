"""Parallel awards on PostgreSQL: each officer's award is its own transaction on its own
connection; the pool's row lock lets exactly as many through as fit, and never more."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from allocations.models import Allocation
from allocations.selectors import pool_figures
from applications.models import Proposal, ProposalStatus
from portal.models import Activity
from reviews.services.decisions import proposal_award
from tests.factories import ProgrammeOfficerFactory
from tests.reviews.decision_world import fcfs_cutoff, ready_proposal


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_awards_never_over_reserve_the_pool(require_postgresql):
    """20 awards of 10,000 hours at once against a pool of 70,000: exactly 7 succeed."""
    officer = ProgrammeOfficerFactory()
    cutoff, links = fcfs_cutoff(pool_hours=Decimal(70_000))
    proposals = [
        ready_proposal(cutoff, links, hours=(Decimal(10_000),), officer=officer) for _ in range(20)
    ]
    requests = {p.pk: p.requests.get().pk for p in proposals}
    start = threading.Barrier(20)
    outcomes: dict[int, str] = {}

    def decide(proposal) -> None:
        try:
            start.wait(timeout=30)
            proposal_award(proposal=proposal, by=officer, hours={requests[proposal.pk]: 10_000})
            outcomes[proposal.pk] = "awarded"
        except ValidationError as exc:
            outcomes[proposal.pk] = exc.messages[0]
        finally:
            connections["default"].close()  # each thread had its own connection

    threads = [threading.Thread(target=decide, args=(p,)) for p in proposals]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)

    assert len(outcomes) == 20
    awarded = {pk for pk, outcome in outcomes.items() if outcome == "awarded"}
    refused = [outcome for outcome in outcomes.values() if outcome != "awarded"]
    assert len(awarded) == 7
    assert all(
        r.startswith("Not enough hours left in Spring pool A: 0 ") and r.endswith("10,000 asked.")
        for r in refused
    ), refused
    assert len(refused) == 13
    statuses = dict(Proposal.objects.filter(cutoff=cutoff).values_list("pk", "status"))
    assert {pk for pk, s in statuses.items() if s == ProposalStatus.AWARDED} == awarded
    assert {s for pk, s in statuses.items() if pk not in awarded} == {ProposalStatus.IN_REVIEW}
    assert Allocation.objects.count() == 7
    assert set(Allocation.objects.values_list("holder_id", flat=True)) == {
        p.organisation_id for p in proposals if p.pk in awarded
    }
    shown = pool_figures([links[0].pool])[links[0].pool_id]
    assert shown.reserved == Decimal(70_000) and shown.free == 0
    assert Activity.objects.filter(verb="proposal.award").count() == 7
    assert connection.vendor == "postgresql"


@pytest.mark.django_db(transaction=True)
def test_advance_follows_the_portal_when_it_takes_a_step_itself():
    """Committed, eligibility starts the technical assessment of a first-come-first-served
    proposal; the test factories' `advance` then goes on from there."""
    from tests.factories import SubmittableProposalFactory, advance

    proposal = advance(SubmittableProposalFactory(), to=ProposalStatus.AWARDED)
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.AWARDED
    assert Activity.objects.filter(verb="proposal.start_review", actor=None).count() == 1
