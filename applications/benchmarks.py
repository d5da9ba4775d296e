"""Benchmark data and figures of the applications app (see portal.benchmarking)."""

from __future__ import annotations

from portal.benchmarking import BenchContext, bench_dataset, bench_figure, bench_series

# --- Calls ------------------------------------------------------------------------------------


@bench_dataset
def cutoff_for_submissions(ctx: BenchContext) -> str:
    """One Fast Lane call with a cut-off, its GPU partitions and their pools; the "proposals"
    series fills the cut-off."""
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from allocations.catalogue import catalogue_seed
    from allocations.models import CapacityPool, Partition
    from applications.models import Call, CallPartition, CutOff, CutOffPool

    now = timezone.now()
    partitions = list(Partition.objects.filter(kind=Partition.Kind.GPU, centre__short_name__in=[
        "BSC", "CSC", "CINECA", "JSC", "LuxProvide", "IT4I"]))  # fmt: skip
    if not partitions:
        catalogue_seed()
        partitions = list(Partition.objects.filter(kind=Partition.Kind.GPU))
    call = Call.objects.create(
        title="Bench Fast Lane call",
        slug="bench-fast-lane",
        mode="fast_lane",
        summary="Benchmark call.",
        description="Benchmark call for the officer's cut-off list.",
        opens_at=now - timedelta(days=30),
        closes_at=now + timedelta(days=300),
        durations_months=[1, 2, 3],
        is_published=True,
    )
    cutoff = CutOff.objects.create(call=call, at=now - timedelta(hours=1))
    offered = [
        CallPartition.objects.create(
            call=call, partition=p, min_hours=10_000, max_hours=50_000, pool_hours_per_cutoff=10**6
        )
        for p in partitions
    ]
    for item in offered:
        pool = CapacityPool.objects.create(
            partition=item.partition, label=f"bench {item.partition}", hours=Decimal(10**6)
        )
        CutOffPool.objects.create(cutoff=cutoff, offered_partition=item, pool=pool)
    ctx.data.update(
        {
            "applications.cutoff": cutoff,
            "applications.offered": offered,
            "applications.partition": offered[0].partition,
            "applications.proposals": 0,
        }
    )
    return f"1 Fast Lane cut-off offering {len(offered)} GPU partitions"


@bench_series("proposals")
def submitted_proposals(ctx: BenchContext, n: int) -> str:
    """Submitted proposals at the cut-off, from as many organisations, each asking for one to
    three of the offered partitions; mostly still counted as demand, some withdrawn or ineligible.
    Written in bulk, so the cut-off's kept figures are rebuilt afterwards."""
    from datetime import date, timedelta
    from decimal import Decimal

    from django.utils import timezone

    from applications.models import Proposal, ProposalStatus, ResourceRequest
    from applications.services.proposals import cutoff_counts_rebuild, proposals_waiting_refresh
    from applications.workflow import demand_statuses, workflow_for_mode
    from portal.countries import PARTICIPATING_COUNTRIES
    from portal.models import Organisation

    batch = 1000
    cutoff, offered = ctx.data["applications.cutoff"], ctx.data["applications.offered"]
    done = ctx.data["applications.proposals"]
    now = timezone.now()
    countries = sorted(PARTICIPATING_COUNTRIES)
    organisations = Organisation.objects.bulk_create(
        [
            Organisation(
                legal_name=f"Bench Applicant {i}", country=countries[i % len(countries)],
                registration_number=f"BENCH-A-{i:06d}", founded_on=date(2023, 1, 1), employees=10,
                annual_turnover_eur=Decimal(500_000), balance_sheet_eur=Decimal(500_000),
            )
            for i in range(done, n)
        ],
        batch_size=batch,
    )  # fmt: skip
    on_path = set(workflow_for_mode("fast_lane").statuses)
    decided = {p.status for p in workflow_for_mode("fast_lane").phases.values() if p.is_decided}
    statuses = [
        *sorted(demand_statuses() & on_path),
        ProposalStatus.WITHDRAWN,
        ProposalStatus.INELIGIBLE,
    ]
    proposals = Proposal.objects.bulk_create(
        [
            Proposal(
                call=cutoff.call, cutoff=cutoff, organisation=org,
                status=statuses[i % len(statuses)], reference=f"AIF-FL-BENCH-{i:05d}",
                submitted_at=now - timedelta(minutes=i),
                # Decided ones stopped their time-to-access clock halfway to now.
                decided_at=(
                    now - timedelta(minutes=i / 2) if statuses[i % len(statuses)] in decided
                    else None
                ),
                title=f"Fine-tuning a domain model {i}", acronym=f"B{i}",
                abstract="We fine-tune an open model on our own domain data. " * 30,
                ai_plan="Supervised fine-tuning, then evaluation on held-out tasks. " * 40,
            )
            for i, org in zip(range(done, n), organisations, strict=True)
        ],
        batch_size=batch,
    )  # fmt: skip
    ResourceRequest.objects.bulk_create(
        [
            ResourceRequest(
                proposal=proposal, offered_partition=offered[(i + k) % len(offered)],
                hours=Decimal(10_000 + (i % 40) * 1_000), job_size=32, duration_months=3,
                justification="Benchmark request. " * 20,
            )
            for i, proposal in zip(range(done, n), proposals, strict=True)
            for k in range(1 + i % min(3, len(offered)))
        ],
        batch_size=batch,
    )  # fmt: skip
    cutoff_counts_rebuild(cutoff=cutoff)
    proposals_waiting_refresh(proposal_ids=[p.pk for p in proposals])
    ctx.data["applications.proposals"] = n
    cutoff.refresh_from_db()
    return f"the cut-off now holds {cutoff.submitted_count:,} submitted proposals"


@bench_figure("officer cut-off list: demand + first page of 50", series="proposals")
def bench_officer_cutoff_list(ctx: BenchContext):
    from django.urls import reverse

    cutoff = ctx.data["applications.cutoff"]
    url = reverse("applications:officer_cutoff", kwargs={"pk": cutoff.pk})
    return ctx.page(url, user=ctx.data["portal.officer"])


@bench_figure("officer cut-off list, filtered by partition and status, page 2", series="proposals")
def bench_officer_cutoff_list_filtered(ctx: BenchContext):
    from django.urls import reverse

    cutoff = ctx.data["applications.cutoff"]
    partition = ctx.data["applications.partition"]
    url = reverse("applications:officer_cutoff", kwargs={"pk": cutoff.pk})
    return ctx.page(
        f"{url}?partition={partition.pk}&status=submitted&page=2",
        user=ctx.data["portal.officer"],
    )


@bench_figure("API proposals list, first page of 50, as the officer", series="proposals")
def bench_api_proposals_list(ctx: BenchContext):
    return ctx.page("/api/v1/proposals/", user=ctx.data["portal.officer"])


# --- Proposals --------------------------------------------------------------------------------


def _pdf_proposal():
    """One complete submitted proposal with two requests, a team of five and three attachments
    listed: the size of a real submission. Built with plain model calls (no test factories)."""
    from datetime import date, timedelta
    from decimal import Decimal

    from django.utils import timezone

    from allocations.models import Centre, Partition
    from allocations.units import Unit
    from applications.models import (
        AI_ACT_QUESTIONS,
        Attachment,
        Call,
        CallPartition,
        CutOff,
        Proposal,
        ProposalStatus,
        ResourceRequest,
        TeamMember,
    )
    from portal.models import Membership, Organisation, User

    now = timezone.now()
    centre, _ = Centre.objects.get_or_create(
        short_name="BENCHPDF", defaults={"name": "Bench PDF centre", "country": "ES"}
    )
    partitions = [
        Partition.objects.get_or_create(
            centre=centre,
            system_name=f"Bench system {n}",
            name="GPU",
            defaults={
                "kind": Partition.Kind.GPU,
                "accelerator_model": "NVIDIA H100 64 GB",
                "accelerators_per_node": 4,
                "cores_per_node": 80,
                "nodes": 1000,
                "unit": Unit.GPU_HOURS,
                "sustained_tflops_per_accelerator": Decimal("400"),
            },
        )[0]
        for n in (1, 2)
    ]
    call = Call.objects.create(
        title="Bench PDF call",
        slug=f"bench-pdf-{now.timestamp():.0f}",
        mode="large_scale",
        summary="Benchmark call.",
        description="Benchmark call for the proposal PDF figure.",
        opens_at=now - timedelta(days=10),
        closes_at=now + timedelta(days=60),
        durations_months=[3, 6, 12],
        is_published=True,
    )
    cutoff = CutOff.objects.create(call=call, at=now + timedelta(days=20))
    organisation = Organisation.objects.create(
        legal_name="Bench PDF Startup GmbH",
        country="DE",
        registration_number=f"HRB PDF{now.timestamp():.0f}",
        founded_on=date(2023, 1, 1),
        employees=20,
        annual_turnover_eur=Decimal("1000000"),
        balance_sheet_eur=Decimal("1000000"),
    )
    people = [
        User.objects.create(email=f"bench-pdf-{n}-{now.timestamp():.0f}@bench.invalid")
        for n in range(5)
    ]
    for person in people:
        Membership.objects.create(organisation=organisation, user=person)
    paragraph = "We train and evaluate a multilingual model on European data. " * 40
    proposal = Proposal.objects.create(
        call=call,
        cutoff=cutoff,
        organisation=organisation,
        created_by=people[0],
        pi=people[0],
        status=ProposalStatus.SUBMITTED,
        reference=f"AIF-LS-BENCH-{now.timestamp():.0f}",
        submitted_at=now,
        title="Open multilingual foundation model for European public services",
        acronym="OMFM-EU",
        abstract=paragraph[:2000],
        model_type="decoder-only transformer",
        parameters=13_000_000_000,
        training_tokens=300_000_000_000,
        training_share_percent=80,
        ai_plan=paragraph,
        software_stack=paragraph[:1500],
        containers=paragraph[:600],
        data_sources=paragraph[:1200],
        data_licences=paragraph[:600],
        uses_personal_data=False,
        ai_act_answers=dict.fromkeys(AI_ACT_QUESTIONS, "no"),
        civilian_use_confirmed=True,
        is_confidential=True,
        expected_impact=paragraph,
    )
    for n, person in enumerate(people):
        TeamMember.objects.create(
            proposal=proposal,
            user=person,
            role=TeamMember.Role.PI if n == 0 else TeamMember.Role.ENGINEER,
            expertise="Large-scale training",
        )
    for partition in partitions:
        offered = CallPartition.objects.create(call=call, partition=partition, min_hours=50001)
        ResourceRequest.objects.create(
            proposal=proposal,
            offered_partition=offered,
            hours=Decimal("250000"),
            job_size=256,
            storage_tb=Decimal("50"),
            duration_months=6,
            justification=paragraph[:1500],
        )
    for n in range(3):
        Attachment.objects.create(
            proposal=proposal,
            file=f"proposals/{proposal.pk}/bench-{n}.pdf",
            original_name=f"annex-{n}.pdf",
            size_bytes=250_000,
        )
    return proposal


@bench_figure("proposal PDF rendering (WeasyPrint), a full Large Scale submission")
def proposal_pdf_rendering(ctx: BenchContext):
    from applications.pdf import proposal_pdf_bytes

    proposal = _pdf_proposal()

    def render():
        content = proposal_pdf_bytes(proposal=proposal)
        if not content.startswith(b"%PDF"):
            from portal.benchmarking import BenchFailure

            raise BenchFailure("the proposal PDF is not a PDF")
        return content

    return render
