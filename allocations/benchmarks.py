"""Benchmark data and figures of the centre catalogue (see portal.benchmarking)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.urls import reverse

from portal.benchmarking import BenchContext, bench_dataset, bench_figure
from portal.models import User

from . import units
from .catalogue import catalogue_seed
from .models import CapacityPool, Centre, CentreMembership, Partition

BATCH = 1000
POOLS_OF_THE_MEASURED_CENTRE = 200  # two cut-offs a month on a few partitions for some years


@bench_dataset
def centres_and_partitions(ctx: BenchContext) -> str:
    """The real catalogue plus many synthetic centres; one real centre with many capacity pools."""
    catalogue_seed()
    extra = ctx.count(200)
    centres = Centre.objects.bulk_create(
        [Centre(name=f"Bench Centre {n}", short_name=f"B{n}", country="DE") for n in range(extra)],
        batch_size=BATCH,
    )  # fmt: skip
    Partition.objects.bulk_create(
        [
            Partition(
                centre=centre, system_name=f"System {n}", name=name, kind=kind,
                accelerator_model="NVIDIA H100 64 GB" if kind == "gpu" else "",
                accelerators_per_node=4 if kind == "gpu" else 0, cores_per_node=96,
                nodes=500, unit=unit, sustained_tflops_per_accelerator=Decimal("400"),
            )
            for n, centre in enumerate(centres)
            for name, kind, unit in (
                ("Booster", "gpu", units.Unit.GPU_HOURS),
                ("Small GPU", "gpu", units.Unit.NODE_HOURS),
                ("CPU", "cpu", units.Unit.CORE_HOURS),
            )
        ],
        batch_size=BATCH,
    )  # fmt: skip
    bsc = Centre.objects.get(short_name="BSC")
    bsc_partitions = list(bsc.partitions.all())
    start = date(2026, 1, 1)
    CapacityPool.objects.bulk_create(
        [
            CapacityPool(
                partition=bsc_partitions[n % len(bsc_partitions)],
                label=f"Cut-off {n:03d}",
                hours=Decimal(250_000),
                starts_on=start + timedelta(days=14 * n),
                ends_on=start + timedelta(days=14 * n + 365),
            )
            for n in range(POOLS_OF_THE_MEASURED_CENTRE)
        ]
    )
    administrator = User.objects.create(
        email="bench-centre-admin@bench.invalid", password=make_password(None)
    )
    CentreMembership.objects.create(
        centre=bsc, user=administrator, role=CentreMembership.Role.CENTRE_ADMINISTRATOR
    )
    # Staff need TOTP before any page: the administrator has a device, as in production.
    from allauth.mfa.models import Authenticator

    Authenticator.objects.create(
        user=administrator, type=Authenticator.Type.TOTP, data={"secret": "bench"}
    )
    ctx.data.update({"allocations.measured_centre": bsc, "allocations.admin": administrator})
    total = Centre.objects.count()
    return (
        f"{total:,} centres, {Partition.objects.count():,} partitions; BSC has "
        f"{POOLS_OF_THE_MEASURED_CENTRE} capacity pools"
    )


@bench_figure("centre list, every centre with its partitions, anonymous")
def centre_list_anonymous(ctx: BenchContext):
    return ctx.page(reverse("allocations:centre_list"))


@bench_figure("centre page with 200 capacity pools, as its administrator")
def centre_page_administrator(ctx: BenchContext):
    centre = ctx.data["allocations.measured_centre"]
    url = reverse("allocations:centre_detail", kwargs={"pk": centre.pk})
    return ctx.page(url, user=ctx.data["allocations.admin"])


@bench_figure("GPU-hours estimate plus 100 unit conversions (no database)")
def estimator_and_conversions(ctx: BenchContext):
    partitions = list(Partition.objects.filter(centre__short_name__in=["BSC", "CSC", "IT4I"]))
    gpu = [p for p in partitions if p.is_gpu]

    def run():
        for partition in gpu:
            units.estimate_hours(partition, parameters=70 * 10**9, tokens=2 * 10**12)
        for n in range(100):
            partition = partitions[n % len(partitions)]
            units.convert(partition, Decimal(n * 1000 + 1), units.Unit.NODE_HOURS)

    return run
