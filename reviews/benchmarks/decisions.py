"""Benchmark figures of the evaluation (see portal.benchmarking): first-come-first-served award
decisions under concurrency."""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone

from allocations.benchmarks import _on_own_connections
from allocations.models import Allocation, CapacityPool, Centre, Partition
from allocations.units import Unit
from applications.models import (
    Call,
    CallPartition,
    CutOff,
    CutOffPool,
    Proposal,
    ProposalStatus,
    ResourceRequest,
    TeamMember,
)
from applications.services.decision_mails import cutoff_mail_batch
from applications.services.proposals import cutoff_counts_rebuild
from portal.benchmarking import BenchContext, Timed, bench_figure
from portal.models import Activity, Notification, Organisation, User
from portal.roles import PROGRAMME_OFFICER_GROUP
from reviews.services.decisions import proposal_award

AWARD_WORKERS = 8
AWARDS_PER_WORKER = 10
AWARDS = AWARD_WORKERS * AWARDS_PER_WORKER


@transaction.atomic  # a failure leaves nothing behind
def _award_fixture(tag: str) -> dict:
    """A Fast Lane call and passed cut-off with one pool, an officer, and AWARDS proposals under
    technical assessment, each asking 1,000 hours, with a PI who gets the (held) mail."""
    now = timezone.now()
    centre = Centre.objects.create(name=f"Bench awards {tag}", short_name=tag[:20], country="FI")
    partition = Partition.objects.create(
        centre=centre, system_name="Bench", name="GPU", kind="gpu",
        accelerator_model="AMD MI250X", accelerators_per_node=4, cores_per_node=64,
        unit=Unit.GPU_HOURS,
    )  # fmt: skip
    call = Call.objects.create(
        title=f"Bench awards {tag}", slug=f"bench-awards-{tag.lower()}", mode="fast_lane",
        summary="Benchmark call.", description="Benchmark call for awards.",
        opens_at=now - timedelta(days=30), closes_at=now + timedelta(days=300),
        durations_months=[1, 2, 3], is_published=True,
    )  # fmt: skip
    cutoff = CutOff.objects.create(call=call, at=now - timedelta(hours=1))
    offered = CallPartition.objects.create(
        call=call, partition=partition, min_hours=1_000, max_hours=50_000
    )
    pool = CapacityPool.objects.create(
        partition=partition, label=f"Bench awards {tag}", hours=Decimal(10**9)
    )
    CutOffPool.objects.create(cutoff=cutoff, offered_partition=offered, pool=pool)
    officer = User.objects.create(email=f"officer-{tag.lower()}@bench.invalid")
    group = Group.objects.filter(name=PROGRAMME_OFFICER_GROUP).first()
    if group is not None:  # committed by `manage.py bench` before its data
        officer.groups.add(group)
    else:
        # Only inside a caller's open transaction (the test suite's) is the group not visible
        # here; the officer then holds the role as a request holds it once read (portal.roles).
        officer._portal_group_names = {PROGRAMME_OFFICER_GROUP}
    pi = User.objects.create(email=f"pi-{tag.lower()}@bench.invalid")
    organisations = Organisation.objects.bulk_create(
        [
            Organisation(
                legal_name=f"Bench awardee {tag} {n}", country="FI",
                registration_number=f"{tag}-{n}", founded_on=date(2022, 1, 1), employees=10,
                annual_turnover_eur=Decimal(1_000_000), balance_sheet_eur=Decimal(1_000_000),
            )
            for n in range(AWARDS)
        ]
    )  # fmt: skip
    proposals = Proposal.objects.bulk_create(
        [
            Proposal(
                call=call, cutoff=cutoff, organisation=org, pi=pi, created_by=pi,
                status=ProposalStatus.IN_REVIEW, reference=f"{tag}-{n:04d}",
                submitted_at=now - timedelta(minutes=n), title=f"Bench award {n}",
            )
            for n, org in enumerate(organisations)
        ]
    )  # fmt: skip
    requests = ResourceRequest.objects.bulk_create(
        [
            ResourceRequest(
                proposal=p, offered_partition=offered, hours=Decimal(1_000), job_size=8,
                duration_months=3, justification="Benchmark request.",
            )
            for p in proposals
        ]
    )  # fmt: skip
    TeamMember.objects.bulk_create(
        [TeamMember(proposal=p, user=pi, role=TeamMember.Role.PI) for p in proposals]
    )
    cutoff_counts_rebuild(cutoff=cutoff)
    return {
        "officer": officer,
        "pool": pool,
        "awards": [(p, {r.pk: 1_000}) for p, r in zip(proposals, requests, strict=True)],
        "delete": (centre, partition, call, cutoff, pool, officer, pi, organisations),
    }


def _award_fixture_delete(fixture: dict) -> None:
    centre, partition, call, cutoff, pool, officer, pi, organisations = fixture["delete"]
    proposals = Proposal.objects.filter(cutoff=cutoff)
    allocations = Allocation.objects.filter(pool=pool)
    for model, ids in (
        (Proposal, proposals.values_list("pk", flat=True)),
        (Allocation, allocations.values_list("pk", flat=True)),
    ):
        Activity.objects.filter(
            content_type=ContentType.objects.get_for_model(model),
            object_id__in=[str(pk) for pk in ids],
        ).delete()
    Activity.objects.filter(actor__in=[officer, pi]).delete()
    Notification.objects.filter(batch=cutoff_mail_batch(cutoff)).delete()
    allocations.delete()
    proposals.delete()
    Organisation.objects.filter(pk__in=[o.pk for o in organisations]).delete()
    cutoff.delete()
    call.delete()
    pool.delete()
    partition.delete()
    centre.delete()
    officer.delete()
    pi.delete()


@bench_figure(
    f"award decisions: {AWARDS} by {AWARD_WORKERS} parallel workers on one pool "
    "(PostgreSQL; in turn on SQLite)",
    operations=AWARDS,
)
def awards_in_parallel(ctx: BenchContext):
    """Each repetition: 8 workers, each with its own connection, award 10 proposals each
    through the decision service (the door, the guards, the pool's row lock, the reservation,
    the held mail). The bench prints decisions per second (80 divided by the median). The
    proposals are made (committed, on another connection) before each repetition and removed
    after it; the repetition times the awards only."""
    runs = itertools.count()

    if connection.vendor != "postgresql":
        # SQLite has one writer at a time: the same awards, one after the other.
        def in_turn():
            fixture = _award_fixture(f"BA{next(runs)}{uuid.uuid4().hex[:6]}")
            started = time.perf_counter()
            for proposal, hours in fixture["awards"]:
                proposal_award(proposal=proposal, by=fixture["officer"], hours=hours)
            return Timed(time.perf_counter() - started)

        return in_turn

    def in_parallel():
        tag = f"BA{next(runs)}{uuid.uuid4().hex[:8]}"
        [fixture] = _on_own_connections(lambda: _award_fixture(tag))
        start = threading.Barrier(AWARD_WORKERS)
        awards = fixture["awards"]

        def worker(w: int):
            start.wait(timeout=60)
            for proposal, hours in awards[w::AWARD_WORKERS]:
                proposal_award(proposal=proposal, by=fixture["officer"], hours=hours)

        try:
            started = time.perf_counter()
            _on_own_connections(*(lambda w=w: worker(w) for w in range(AWARD_WORKERS)))
            return Timed(time.perf_counter() - started)
        finally:
            _on_own_connections(lambda: _award_fixture_delete(fixture))

    return in_parallel
