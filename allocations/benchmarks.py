"""Benchmark data and figures of the centre catalogue and of pool reservations (see
portal.benchmarking)."""

from __future__ import annotations

import itertools
import threading
import uuid
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.urls import reverse

from portal.benchmarking import BenchContext, bench_dataset, bench_figure
from portal.models import Activity, Organisation, User

from . import units
from .catalogue import catalogue_seed
from .models import Allocation, CapacityPool, Centre, CentreMembership, Partition
from .services import pool_reserve

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


# --- Reservations under concurrency -------------------------------------------------------------

RESERVATION_WORKERS = 8
RESERVATIONS_PER_WORKER = 25


def _reservation_fixture(tag: str) -> tuple[CapacityPool, Organisation]:
    """A centre, partition and pool with room for every reservation of a run, and a holder."""
    centre = Centre.objects.create(name=f"Bench reservations {tag}", short_name=tag, country="FI")
    partition = Partition.objects.create(
        centre=centre, system_name="Bench", name="GPU", kind="gpu",
        accelerator_model="AMD MI250X", accelerators_per_node=4, cores_per_node=64,
        unit=units.Unit.GPU_HOURS,
    )  # fmt: skip
    pool = CapacityPool.objects.create(
        partition=partition, label=f"Bench reservations {tag}", hours=Decimal(10**9)
    )
    holder = Organisation.objects.create(
        legal_name=f"Bench holder {tag}", country="FI", registration_number=tag,
        founded_on=date(2020, 1, 1), employees=10, annual_turnover_eur=Decimal(1_000_000),
        balance_sheet_eur=Decimal(1_000_000),
    )  # fmt: skip
    return pool, holder


def _reservation_fixture_delete(pool: CapacityPool, holder: Organisation) -> None:
    allocations = Allocation.objects.filter(pool=pool)
    Activity.objects.filter(
        content_type=ContentType.objects.get_for_model(Allocation),
        object_id__in=[str(pk) for pk in allocations.values_list("pk", flat=True)],
    ).delete()
    allocations.delete()
    partition, centre = pool.partition, pool.partition.centre
    pool.delete()
    partition.delete()
    centre.delete()
    holder.delete()


def _on_own_connections(*works):
    """Run each of `works` in a thread of its own, hence on a database connection of its own
    that commits (the bench's data sits in a transaction no other connection sees), all at once;
    return their results in order, or raise the first error."""
    outcomes: list[dict] = [{} for _ in works]

    def run(work, outcome):
        try:
            with connection.cursor() as cursor:  # never wait forever on the bench's own locks
                cursor.execute("SET lock_timeout = '30s'")
            outcome["result"] = work()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            outcome["error"] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=pair) for pair in zip(works, outcomes, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for outcome in outcomes:
        if "error" in outcome:
            raise outcome["error"]
    return [outcome.get("result") for outcome in outcomes]


@bench_figure(
    f"pool reservations: {RESERVATION_WORKERS * RESERVATIONS_PER_WORKER} by "
    f"{RESERVATION_WORKERS} parallel workers on one pool (PostgreSQL; in turn on SQLite)"
)
def reservations_in_parallel(ctx: BenchContext):
    """Each repetition: 8 workers, each with its own connection, reserve 25 times each on the
    same pool, every reservation locking the pool row. Reservations per second are 200 divided
    by the median. The pool and its holder are made and removed by each repetition (a handful
    of the run's queries), so nothing stays behind."""
    runs = itertools.count()

    if connection.vendor != "postgresql":
        # SQLite has one writer at a time: the same reservations, one after the other.
        pool, holder = _reservation_fixture("BENCH-RSV")

        def in_turn():
            run = next(runs)
            for n in range(RESERVATION_WORKERS * RESERVATIONS_PER_WORKER):
                pool_reserve(pool=pool, hours=1, holder=holder, reference=f"B{run}-{n}", by=None)

        return in_turn

    def in_parallel():
        run = next(runs)
        tag = f"BR{uuid.uuid4().hex[:12]}"
        [(pool, holder)] = _on_own_connections(lambda: _reservation_fixture(tag))
        start = threading.Barrier(RESERVATION_WORKERS)

        def worker(w: int):
            start.wait(timeout=60)
            for n in range(RESERVATIONS_PER_WORKER):
                reference = f"{tag}-{run}-{w}-{n}"
                pool_reserve(pool=pool, hours=1, holder=holder, reference=reference, by=None)

        try:
            _on_own_connections(*(lambda w=w: worker(w) for w in range(RESERVATION_WORKERS)))
        finally:
            _on_own_connections(lambda: _reservation_fixture_delete(pool, holder))

    return in_parallel
