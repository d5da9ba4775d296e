"""Benchmark data and figures of the evaluation (see portal.benchmarking): the programme officer's
workspace, and a cut-off's list filtered by what its proposals wait on, over a cut-off whose
proposals are in every state of first-come-first-served evaluation.

Run alone (`--only workspace`), the workspace counts this cut-off's proposals at 50 and 5,000; in
a full run the applications' bench cut-off (5,000 proposals by then) is on the workspace too.
"""

from __future__ import annotations

from portal.benchmarking import BenchContext, bench_dataset, bench_figure, bench_series

# The states the series cycles through: (status, the assessments' statuses, one per request).
_MIXED = (
    ("submitted", ()),
    ("eligible", ("open",)),
    ("in_review", ("open", "submitted")),
    ("in_review", ("overdue", "open")),
    ("in_review", ("submitted", "submitted")),
    ("awarded", ("submitted",)),
    ("waitlisted", ("submitted", "submitted")),
    ("rejected", ("submitted",)),
    ("ineligible", ()),
    ("withdrawn", ()),
)


@bench_dataset
def evaluation_cutoff(ctx: BenchContext) -> str:
    """One Playground call with a passed cut-off, offering a GPU partition at each of three
    centres; the "evaluated proposals" series fills it."""
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from allocations.catalogue import catalogue_seed
    from allocations.models import CapacityPool, Partition
    from applications.models import Call, CallPartition, CutOff, CutOffPool

    now = timezone.now()
    if not Partition.objects.filter(kind=Partition.Kind.GPU).exists():
        catalogue_seed()
    partitions, centres = [], set()
    for partition in Partition.objects.filter(kind=Partition.Kind.GPU).order_by("pk"):
        if partition.centre_id not in centres:
            centres.add(partition.centre_id)
            partitions.append(partition)
        if len(partitions) == 3:
            break
    call = Call.objects.create(
        title="Bench Playground call in evaluation",
        slug="bench-playground-evaluation",
        mode="playground",
        summary="Benchmark call.",
        description="Benchmark call for the officer's workspace.",
        opens_at=now - timedelta(days=60),
        closes_at=now + timedelta(days=300),
        durations_months=[1, 2, 3],
        is_published=True,
    )
    cutoff = CutOff.objects.create(call=call, at=now - timedelta(days=2))
    offered = []
    for partition in partitions:
        item = CallPartition.objects.create(
            call=call, partition=partition, min_hours=1_000, max_hours=50_000
        )
        pool = CapacityPool.objects.create(
            partition=partition, label=f"bench evaluation {partition}", hours=Decimal(10**7)
        )
        CutOffPool.objects.create(cutoff=cutoff, offered_partition=item, pool=pool)
        offered.append(item)
    ctx.data.update({"reviews.cutoff": cutoff, "reviews.offered": offered, "reviews.proposals": 0})
    return f"1 Playground cut-off in evaluation offering {len(offered)} GPU partitions"


@bench_series("evaluated proposals")
def evaluated_proposals(ctx: BenchContext, n: int) -> str:
    """Proposals at the evaluation cut-off in mixed states (submitted, eligible, in technical
    assessment with open, overdue and submitted assessments, awarded, waitlisted, rejected,
    ineligible, withdrawn), with their requests and assessments. Written in bulk, so the kept
    figures and what each proposal waits on are rebuilt afterwards."""
    from datetime import date, timedelta
    from decimal import Decimal

    from django.utils import timezone

    from applications.models import Proposal, ResourceRequest
    from applications.services.proposals import cutoff_counts_rebuild, proposals_waiting_refresh
    from portal.countries import PARTICIPATING_COUNTRIES
    from portal.models import Organisation
    from reviews.models import TechnicalAssessment

    batch = 1000
    cutoff, offered = ctx.data["reviews.cutoff"], ctx.data["reviews.offered"]
    done = ctx.data["reviews.proposals"]
    now = timezone.now()
    countries = sorted(PARTICIPATING_COUNTRIES)
    organisations = Organisation.objects.bulk_create(
        [
            Organisation(
                legal_name=f"Bench Evaluated {i}", country=countries[i % len(countries)],
                registration_number=f"BENCH-E-{i:06d}", founded_on=date(2023, 1, 1),
                employees=10, annual_turnover_eur=Decimal(500_000),
                balance_sheet_eur=Decimal(500_000),
            )
            for i in range(done, n)
        ],
        batch_size=batch,
    )  # fmt: skip
    decided = {"awarded", "waitlisted", "rejected", "ineligible"}
    states = [_MIXED[i % len(_MIXED)] for i in range(done, n)]
    proposals = Proposal.objects.bulk_create(
        [
            Proposal(
                call=cutoff.call, cutoff=cutoff, organisation=org, status=status,
                reference=f"AIF-PG-BENCH-{i:05d}",
                submitted_at=now - timedelta(days=2, minutes=n - i),
                decided_at=now - timedelta(minutes=i) if status in decided else None,
                title=f"Evaluating a vision model {i}", acronym=f"E{i}",
                abstract="We adapt an open vision model to industrial inspection. " * 20,
            )
            for i, org, (status, _) in zip(range(done, n), organisations, states, strict=True)
        ],
        batch_size=batch,
    )  # fmt: skip
    requests = ResourceRequest.objects.bulk_create(
        [
            ResourceRequest(
                proposal=proposal, offered_partition=offered[(i + k) % len(offered)],
                hours=Decimal(2_000 + (i % 10) * 500), job_size=8, duration_months=1,
                justification="Benchmark request. " * 10,
            )
            for i, proposal, (_, assessed) in zip(range(done, n), proposals, states, strict=True)
            for k in range(max(1, len(assessed)))
        ],
        batch_size=batch,
    )  # fmt: skip
    by_proposal: dict[int, list] = {}
    for request in requests:
        by_proposal.setdefault(request.proposal_id, []).append(request)
    TechnicalAssessment.objects.bulk_create(
        [
            TechnicalAssessment(
                request=request, proposal=proposal,
                centre_id=request.offered_partition.partition.centre_id, status=status,
                deadline=now + (timedelta(days=3) if status != "overdue" else -timedelta(days=1)),
                outcome="feasible" if status == "submitted" else "",
                recommended_hours=request.hours if status == "submitted" else None,
                submitted_at=now if status == "submitted" else None,
            )
            for proposal, (_, assessed) in zip(proposals, states, strict=True)
            for request, status in zip(by_proposal[proposal.pk], assessed, strict=False)
        ],
        batch_size=batch,
    )  # fmt: skip
    cutoff_counts_rebuild(cutoff=cutoff)
    ids = [p.pk for p in proposals]
    for start in range(0, len(ids), batch):
        proposals_waiting_refresh(proposal_ids=ids[start : start + batch])
    ctx.data["reviews.proposals"] = n
    cutoff.refresh_from_db()
    return f"the evaluation cut-off now holds {cutoff.submitted_count:,} submitted proposals"


@bench_figure("officer workspace: counters of every current cut-off", series="evaluated proposals")
def bench_officer_workspace(ctx: BenchContext):
    from django.urls import reverse

    return ctx.page(reverse("reviews:officer_workspace"), user=ctx.data["portal.officer"])


@bench_figure(
    "officer cut-off list, waiting on a technical assessment", series="evaluated proposals"
)
def bench_cutoff_list_waiting_on_assessment(ctx: BenchContext):
    from django.urls import reverse

    cutoff = ctx.data["reviews.cutoff"]
    url = reverse("applications:officer_cutoff", kwargs={"pk": cutoff.pk})
    return ctx.page(f"{url}?waiting_on=assessment", user=ctx.data["portal.officer"])


@bench_figure("API workspace counters, as the officer", series="evaluated proposals")
def bench_api_workspace(ctx: BenchContext):
    return ctx.page("/api/v1/workspace/", user=ctx.data["portal.officer"])
