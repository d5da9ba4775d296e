"""The EuroHPC AI Factory systems the portal offers, as data, and the service that seeds them.

Hardware facts are the centres' published figures. Units of account follow each centre's own
accounting: LUMI bills GPU-hours per MI250X module, IT4I (Karolina) and LuxProvide (MeluXina)
allocate node-hours, BSC's CPU partition is in core-hours.

`sustained_tflops` is the estimator's default: what a well-tuned large-model training run sustains
per accelerator, taken as roughly 35-40 % of the vendor's peak *dense* BF16 figure (model FLOPs
utilisation), never the sparse or FP8 peak. Applicants can override it in the estimator.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal

from django.db import transaction

from portal.services.activity import activity_record

from .models import Centre, Partition
from .units import Unit


@dataclass(frozen=True)
class CentreFacts:
    short_name: str
    name: str
    city: str
    country: str
    website: str


@dataclass(frozen=True)
class PartitionFacts:
    centre: str  # short name
    system_name: str
    name: str
    kind: str
    unit: str
    cores_per_node: int
    nodes: int
    accelerator_model: str = ""
    accelerators_per_node: int = 0
    devices_per_accelerator: int = 1
    accelerator_memory_gb: int = 0
    sustained_tflops: Decimal = field(default=Decimal("0"))
    notes: str = ""


CENTRES: tuple[CentreFacts, ...] = (
    CentreFacts("BSC", "Barcelona Supercomputing Center", "Barcelona", "ES", "https://www.bsc.es"),
    CentreFacts(
        "CSC",
        "CSC – IT Center for Science (LUMI)",
        "Kajaani",
        "FI",
        "https://www.lumi-supercomputer.eu",
    ),
    CentreFacts("CINECA", "CINECA", "Bologna", "IT", "https://www.cineca.it"),
    CentreFacts(
        "JSC", "Jülich Supercomputing Centre", "Jülich", "DE", "https://www.fz-juelich.de/jsc"
    ),
    CentreFacts("LuxProvide", "LuxProvide", "Bissen", "LU", "https://www.luxprovide.lu"),
    CentreFacts(
        "IT4I",
        "IT4Innovations National Supercomputing Center",
        "Ostrava",
        "CZ",
        "https://www.it4i.cz",
    ),
)

GPU, CPU = Partition.Kind.GPU, Partition.Kind.CPU

# A100 SXM: 312 TFLOP/s peak dense BF16 (NVIDIA datasheet); ~40 % sustained. Three systems
# run A100s, so the figure is kept once.
A100_SUSTAINED_TFLOPS = Decimal("125")

PARTITIONS: tuple[PartitionFacts, ...] = (
    PartitionFacts(
        centre="BSC",
        system_name="MareNostrum 5",
        name="ACC",
        kind=GPU,
        unit=Unit.GPU_HOURS,
        accelerator_model="NVIDIA H100 64 GB",
        accelerators_per_node=4,
        accelerator_memory_gb=64,
        cores_per_node=80,  # 2x Intel Xeon Sapphire Rapids, 40 cores each
        nodes=1120,
        # H100 SXM: 989 TFLOP/s peak dense BF16 (NVIDIA datasheet); ~40 % sustained.
        sustained_tflops=Decimal("400"),
    ),
    PartitionFacts(
        centre="BSC",
        system_name="MareNostrum 5",
        name="GPP",
        kind=CPU,
        unit=Unit.CORE_HOURS,
        cores_per_node=112,  # 2x Intel Xeon Sapphire Rapids, 56 cores each
        nodes=6408,
        notes="General-purpose CPU partition: no accelerators, accounted in core-hours.",
    ),
    PartitionFacts(
        centre="CSC",
        system_name="LUMI",
        name="LUMI-G",
        kind=GPU,
        unit=Unit.GPU_HOURS,
        accelerator_model="AMD Instinct MI250X",
        accelerators_per_node=4,
        devices_per_accelerator=2,  # each MI250X is two GCDs: 8 GPUs per node as software sees it
        accelerator_memory_gb=128,  # 64 GB per GCD
        cores_per_node=64,  # 1x AMD EPYC "Trento"; 56 of them are available to jobs
        nodes=2978,
        # MI250X: 383 TFLOP/s peak dense BF16 per module (AMD datasheet); ~35 % sustained.
        sustained_tflops=Decimal("130"),
        notes=(
            "A GPU-hour is one MI250X module (two GCDs) for an hour, as LUMI bills it: "
            "a node-hour is 4 GPU-hours, one GCD for an hour is half a GPU-hour."
        ),
    ),
    PartitionFacts(
        centre="CINECA",
        system_name="Leonardo",
        name="Booster",
        kind=GPU,
        unit=Unit.GPU_HOURS,
        accelerator_model="NVIDIA A100 64 GB",
        accelerators_per_node=4,
        accelerator_memory_gb=64,
        cores_per_node=32,  # 1x Intel Xeon Ice Lake, 32 cores
        nodes=3456,
        sustained_tflops=A100_SUSTAINED_TFLOPS,
    ),
    PartitionFacts(
        centre="JSC",
        system_name="JUPITER",
        name="Booster",
        kind=GPU,
        unit=Unit.GPU_HOURS,
        accelerator_model="NVIDIA GH200 (H100 96 GB)",
        accelerators_per_node=4,
        accelerator_memory_gb=96,
        cores_per_node=288,  # 4 Grace CPUs of 72 Arm cores, one per superchip
        nodes=6000,  # "about 6,000" in JSC's published configuration
        # Hopper in GH200: 989 TFLOP/s peak dense BF16 (NVIDIA); superchips capped at 680 W, ~35 %.
        sustained_tflops=Decimal("350"),
        notes="About 6,000 nodes of 4 GH200 Grace-Hopper superchips.",
    ),
    PartitionFacts(
        centre="LuxProvide",
        system_name="MeluXina",
        name="GPU",
        kind=GPU,
        unit=Unit.NODE_HOURS,
        accelerator_model="NVIDIA A100 40 GB",
        accelerators_per_node=4,
        accelerator_memory_gb=40,
        cores_per_node=64,  # 2x AMD EPYC 7452, 32 cores each
        nodes=200,
        sustained_tflops=A100_SUSTAINED_TFLOPS,
        notes="LuxProvide allocates GPU node-hours: a node-hour is 4 GPU-hours.",
    ),
    PartitionFacts(
        centre="IT4I",
        system_name="Karolina",
        name="GPU",
        kind=GPU,
        unit=Unit.NODE_HOURS,
        accelerator_model="NVIDIA A100 40 GB",
        accelerators_per_node=8,
        accelerator_memory_gb=40,
        cores_per_node=128,  # 2x AMD EPYC 7763, 64 cores each
        nodes=72,
        sustained_tflops=A100_SUSTAINED_TFLOPS,
        notes="IT4I accounts in node-hours: one GPU for an hour is 1/8 node-hour.",
    ),
)


@dataclass(frozen=True)
class CatalogueSeedResult:
    centres_created: int
    partitions_created: int
    partitions_updated: int


def _create_or_refresh(model, lookup: dict, facts: dict, on_create: dict | None = None):
    """The row found by `lookup` with `facts` set: (row, created, changed). An existing row is
    written only when a fact differs."""
    row = model.objects.filter(**lookup).first()
    if row is None:
        return model.objects.create(**lookup, **facts, **(on_create or {})), True, False
    changed = [name for name, value in facts.items() if getattr(row, name) != value]
    for name in changed:
        setattr(row, name, facts[name])
    if changed:
        row.save(update_fields=changed)
    return row, False, bool(changed)


@transaction.atomic
def catalogue_seed(*, by=None) -> CatalogueSeedResult:
    """Create or refresh the centres and partitions above. Safe to run any number of times.

    Published facts are restored on every run; whether a partition is active is the centre's
    decision, so an existing partition keeps its `is_active`.
    """
    centres: dict[str, Centre] = {}
    centres_created = centres_updated = 0
    for facts in CENTRES:
        centre, created, changed = _create_or_refresh(
            Centre,
            {"short_name": facts.short_name},
            {
                "name": facts.name,
                "city": facts.city,
                "country": facts.country,
                "website": facts.website,
            },
        )
        centres[facts.short_name] = centre
        centres_created += created
        centres_updated += changed

    created_count = updated_count = 0
    for facts in PARTITIONS:
        published = {
            "kind": facts.kind,
            "unit": facts.unit,
            "accelerator_model": facts.accelerator_model,
            "accelerators_per_node": facts.accelerators_per_node,
            "devices_per_accelerator": facts.devices_per_accelerator,
            "accelerator_memory_gb": facts.accelerator_memory_gb,
            "cores_per_node": facts.cores_per_node,
            "nodes": facts.nodes,
            "sustained_tflops_per_accelerator": facts.sustained_tflops,
            "notes": facts.notes,
        }
        _, created, changed = _create_or_refresh(
            Partition,
            {
                "centre": centres[facts.centre],
                "system_name": facts.system_name,
                "name": facts.name,
            },
            published,
            on_create={"is_active": True},
        )
        created_count += created
        updated_count += changed

    result = CatalogueSeedResult(centres_created, created_count, updated_count)
    # Logged when it changed something: running it again on a current catalogue leaves no trace.
    if centres_created or centres_updated or created_count or updated_count:
        activity_record(
            actor=by,
            verb="catalogue.seed",
            data={**asdict(result), "centres_updated": centres_updated},
        )
    return result
