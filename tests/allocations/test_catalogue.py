from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from allocations.catalogue import CENTRES, PARTITIONS, catalogue_seed
from allocations.models import Centre, Partition
from allocations.units import Unit
from portal.models import Activity


@pytest.mark.django_db
def test_seed_creates_the_real_systems_once_however_often_it_runs():
    first = catalogue_seed()
    assert (first.centres_created, first.partitions_created) == (len(CENTRES), len(PARTITIONS))
    second = catalogue_seed()
    assert (second.centres_created, second.partitions_created) == (0, 0)
    assert second.partitions_updated == 0  # nothing differed, nothing written
    assert Centre.objects.count() == 6
    assert Partition.objects.count() == 7
    assert set(Centre.objects.values_list("short_name", flat=True)) == {
        "BSC",
        "CSC",
        "CINECA",
        "JSC",
        "LuxProvide",
        "IT4I",
    }
    # Logged when something changed: the second run leaves no trace.
    assert Activity.objects.filter(verb="catalogue.seed").count() == 1


@pytest.mark.django_db
def test_seeded_partitions_carry_their_hardware_and_unit_of_account():
    catalogue_seed()
    by_name = {(p.system_name, p.name): p for p in Partition.objects.select_related("centre")}
    acc = by_name["MareNostrum 5", "ACC"]
    assert (acc.centre.short_name, acc.accelerators_per_node, acc.cores_per_node, acc.nodes) == (
        "BSC",
        4,
        80,
        1120,
    )
    assert acc.unit == Unit.GPU_HOURS
    lumi = by_name["LUMI", "LUMI-G"]
    assert lumi.centre.city == "Kajaani"
    assert (lumi.accelerators_per_node, lumi.devices_per_node) == (4, 8)
    assert lumi.hardware_summary == "4x AMD Instinct MI250X per node (8 GCDs), 64 cores"
    assert by_name["JUPITER", "Booster"].cores_per_node == 288
    # Every seeded system with the hardware the issue names: centre, model, GPUs per node, unit.
    expected = {
        ("MareNostrum 5", "ACC"): ("BSC", "H100", 4, Unit.GPU_HOURS),
        ("LUMI", "LUMI-G"): ("CSC", "MI250X", 4, Unit.GPU_HOURS),
        ("Leonardo", "Booster"): ("CINECA", "A100 64 GB", 4, Unit.GPU_HOURS),
        ("JUPITER", "Booster"): ("JSC", "GH200", 4, Unit.GPU_HOURS),
        ("MeluXina", "GPU"): ("LuxProvide", "A100", 4, Unit.NODE_HOURS),
        ("Karolina", "GPU"): ("IT4I", "A100", 8, Unit.NODE_HOURS),
    }
    for key, (centre, model, per_node, unit) in expected.items():
        partition = by_name[key]
        assert partition.centre.short_name == centre, key
        assert model in partition.accelerator_model, key
        assert (partition.kind, partition.accelerators_per_node) == (Partition.Kind.GPU, per_node)
        assert partition.unit == unit, key
    assert set(by_name) == {*expected, ("MareNostrum 5", "GPP")}
    gpp = by_name["MareNostrum 5", "GPP"]
    assert (gpp.kind, gpp.unit, gpp.cores_per_node) == (Partition.Kind.CPU, Unit.CORE_HOURS, 112)
    # Every GPU partition has an estimator default well below peak dense BF16.
    for partition in by_name.values():
        if partition.is_gpu:
            assert Decimal("100") <= partition.sustained_tflops_per_accelerator <= Decimal("450")
        partition.full_clean()


@pytest.mark.django_db
def test_reseeding_restores_published_facts_but_keeps_the_centres_active_flag():
    catalogue_seed()
    karolina = Partition.objects.get(system_name="Karolina")
    Partition.objects.filter(pk=karolina.pk).update(nodes=1, is_active=False)
    out = StringIO()
    call_command("seed_catalogue", stdout=out)
    karolina.refresh_from_db()
    assert karolina.nodes == 72
    assert karolina.is_active is False
    assert "refreshed: 1." in out.getvalue()
    assert Activity.objects.filter(verb="catalogue.seed").count() == 2
