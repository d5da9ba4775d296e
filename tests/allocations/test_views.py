import re
from decimal import Decimal

import pytest
from django.urls import reverse

from allocations.catalogue import catalogue_seed
from allocations.models import Partition
from tests.factories import (
    CapacityPoolFactory,
    CentreFactory,
    CentreMembershipFactory,
    PartitionFactory,
    UserFactory,
)


def edit_url(partition):
    return reverse(
        "allocations:partition_edit", kwargs={"centre_pk": partition.centre_id, "pk": partition.pk}
    )


def edit_data(partition, **changes):
    data = {
        "accelerator_model": partition.accelerator_model,
        "accelerators_per_node": partition.accelerators_per_node,
        "devices_per_accelerator": partition.devices_per_accelerator,
        "accelerator_memory_gb": partition.accelerator_memory_gb,
        "cores_per_node": partition.cores_per_node,
        "nodes": partition.nodes,
        "sustained_tflops_per_accelerator": partition.sustained_tflops_per_accelerator,
        "notes": partition.notes,
        "is_active": "on" if partition.is_active else "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""}


@pytest.mark.django_db
def test_anyone_can_browse_the_catalogue_of_real_systems(client):
    catalogue_seed()
    response = client.get(reverse("allocations:centre_list"))
    assert response.status_code == 200
    page = response.content.decode()
    text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    for name in ("Barcelona Supercomputing Center", "LUMI LUMI-G", "Karolina GPU", "JUPITER"):
        assert name in text
    # A partition's name is never broken at its hyphen ("LUMI-" above "G" on a phone).
    assert '<span class="text-nowrap">LUMI-G</span>' in page
    assert "8 GCDs" in page
    lumi = Partition.objects.get(name="LUMI-G")
    detail = client.get(reverse("allocations:centre_detail", kwargs={"pk": lumi.centre_id}))
    assert detail.status_code == 200
    text = detail.content.decode()
    assert "2,978" in text
    assert "1 node-hour = 4 GPU-hours = 64 core-hours" in text
    assert "130 TFLOP/s per accelerator" in text
    assert "Edit" not in text  # visitors cannot edit
    assert "Capacity pools" not in text  # nor see capacity


@pytest.mark.django_db
def test_unknown_centre_is_a_404(client):
    assert client.get(reverse("allocations:centre_detail", kwargs={"pk": 999})).status_code == 404


@pytest.mark.django_db
def test_centre_list_costs_the_same_queries_for_1_and_20_centres(client, django_assert_num_queries):
    def count_queries():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("allocations:centre_list")).status_code == 200
        return len(captured)

    PartitionFactory(centre=CentreFactory())
    one = count_queries()
    for _ in range(19):
        centre = CentreFactory()
        PartitionFactory(centre=centre)
        PartitionFactory(centre=centre, cpu=True)
    with django_assert_num_queries(one):
        assert client.get(reverse("allocations:centre_list")).status_code == 200


@pytest.mark.django_db
def test_centre_list_query_count_is_also_flat_for_a_logged_in_administrator(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    admin = CentreMembershipFactory(administrator=True)
    PartitionFactory(centre=admin.centre)
    client.force_login(admin.user)

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("allocations:centre_list")).status_code == 200
        return len(captured)

    one = count()
    for _ in range(19):
        PartitionFactory(centre=CentreFactory())
    assert count() == one


@pytest.mark.django_db
def test_centre_administrator_edits_their_partition(client):
    admin = CentreMembershipFactory(administrator=True)
    partition = PartitionFactory(centre=admin.centre, nodes=1120)
    client.force_login(admin.user)
    detail = client.get(reverse("allocations:centre_detail", kwargs={"pk": admin.centre_id}))
    assert edit_url(partition) in detail.content.decode()
    assert client.get(edit_url(partition)).status_code == 200
    response = client.post(
        edit_url(partition),
        edit_data(partition, nodes=1100, sustained_tflops_per_accelerator="380.5", is_active=""),
    )
    assert response.status_code == 302
    partition.refresh_from_db()
    assert partition.nodes == 1100
    assert partition.sustained_tflops_per_accelerator == Decimal("380.5")
    assert partition.is_active is False
    page = client.get(response.url).content.decode()
    assert "was saved" in page
    assert "Inactive" in page


@pytest.mark.django_db
def test_bad_input_gets_a_field_error_and_keeps_the_rest(client):
    admin = CentreMembershipFactory(administrator=True)
    partition = PartitionFactory(centre=admin.centre, nodes=1120)
    client.force_login(admin.user)
    response = client.post(
        edit_url(partition),
        edit_data(
            partition,
            accelerators_per_node=0,
            nodes=999,
            sustained_tflops_per_accelerator="0",
            notes="Maintenance in June",
        ),
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "at least one accelerator" in form.errors["accelerators_per_node"][0]
    assert "more than 0" in form.errors["sustained_tflops_per_accelerator"][0]
    page = response.content.decode()
    assert 'value="999"' in page
    assert "Maintenance in June" in page
    partition.refresh_from_db()
    assert partition.nodes == 1120  # nothing saved


@pytest.mark.django_db
def test_other_people_cannot_edit_a_centres_partitions(client):
    partition = PartitionFactory(nodes=50)
    url = edit_url(partition)
    # Anonymous visitors are sent to log in.
    response = client.get(url)
    assert response.status_code == 302
    assert reverse("account_login") in response.url
    # An applicant, an assessor of the same centre and an administrator of another centre: 404.
    applicant = UserFactory()
    assessor = CentreMembershipFactory(centre=partition.centre).user
    other_admin = CentreMembershipFactory(administrator=True).user
    for user in (applicant, assessor, other_admin):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.post(url, edit_data(partition, nodes=1)).status_code == 404
    # A partition looked up under the wrong centre does not exist either.
    own_admin = CentreMembershipFactory(administrator=True, centre=partition.centre).user
    client.force_login(own_admin)
    wrong = reverse(
        "allocations:partition_edit",
        kwargs={"centre_pk": other_admin.centres.get().pk, "pk": partition.pk},
    )
    assert client.get(wrong).status_code == 404
    partition.refresh_from_db()
    assert partition.nodes == 50


@pytest.mark.django_db
def test_capacity_pools_show_to_the_centres_staff_only(client):
    partition = PartitionFactory()
    CapacityPoolFactory(partition=partition, label="Fast Lane 2026-05", hours=Decimal("250000"))
    url = reverse("allocations:centre_detail", kwargs={"pk": partition.centre_id})
    client.force_login(CentreMembershipFactory(centre=partition.centre).user)
    page = client.get(url).content.decode()
    assert "Fast Lane 2026-05" in page
    assert "250,000 GPU-hours" in page
    client.force_login(CentreMembershipFactory(administrator=True).user)  # another centre
    assert "Fast Lane 2026-05" not in client.get(url).content.decode()


@pytest.mark.django_db
def test_pools_for_no_cut_off_are_listed_by_partition_with_the_unit(client):
    admin = CentreMembershipFactory(administrator=True)
    gpu = PartitionFactory(centre=admin.centre, system_name="Booster", name="ACC")
    cpu = PartitionFactory(centre=admin.centre, system_name="Cluster", name="GPP", cpu=True)
    # Created interleaved: the page still lists each partition's pools together.
    CapacityPoolFactory(partition=gpu, label="Reserve 2026-05", hours=Decimal("250000"))
    CapacityPoolFactory(partition=cpu, label="Pilots 2026-05", hours=Decimal("3000000"))
    CapacityPoolFactory(partition=gpu, label="Reserve 2026-06", hours=Decimal("120000"))
    client.force_login(admin.user)
    page = client.get(reverse("allocations:centre_detail", kwargs={"pk": admin.centre_id}))
    rows = re.findall(
        r'<li class="list-group-item" id="pool-\d+">(.*?)</li>', page.content.decode(), re.S
    )
    lines = [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows]
    assert lines == [
        "Booster ACC Reserve 2026-05 250,000 GPU-hours 0 reserved · 250,000 free",
        "Booster ACC Reserve 2026-06 120,000 GPU-hours 0 reserved · 120,000 free",
        "Cluster GPP Pilots 2026-05 3,000,000 core-hours 0 reserved · 3,000,000 free",
    ]


@pytest.mark.django_db
def test_centre_staff_without_totp_are_sent_to_set_it_up(client):
    admin = CentreMembershipFactory(administrator=True, mfa=False)
    client.force_login(admin.user)
    response = client.get(reverse("allocations:centre_list"))
    assert response.status_code == 302
    assert reverse("mfa_activate_totp") in response.url


@pytest.mark.django_db
def test_a_cpu_partition_is_edited_without_accelerator_fields(client):
    admin = CentreMembershipFactory(administrator=True)
    partition = PartitionFactory(centre=admin.centre, cpu=True, nodes=6408)
    client.force_login(admin.user)
    page = client.get(edit_url(partition)).content.decode()
    assert "Accelerators per node" not in page
    assert "Estimator throughput" not in page
    response = client.post(
        edit_url(partition), {"cores_per_node": 112, "nodes": 6400, "is_active": "on"}
    )
    assert response.status_code == 302
    partition.refresh_from_db()
    assert (partition.nodes, partition.accelerators_per_node) == (6400, 0)


@pytest.mark.django_db
def test_centre_page_costs_the_same_queries_for_1_and_20_partitions_and_pools(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    admin = CentreMembershipFactory(administrator=True)
    CapacityPoolFactory(partition=PartitionFactory(centre=admin.centre))
    client.force_login(admin.user)
    url = reverse("allocations:centre_detail", kwargs={"pk": admin.centre_id})

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    one = count()
    for _ in range(19):
        CapacityPoolFactory(partition=PartitionFactory(centre=admin.centre))
    assert count() == one


@pytest.mark.django_db
def test_partition_notes_are_edited_in_a_text_area_and_keep_their_lines(client):
    admin = CentreMembershipFactory(administrator=True)
    partition = PartitionFactory(centre=admin.centre, notes="")
    client.force_login(admin.user)
    form = client.get(edit_url(partition)).content.decode()
    textarea = re.search(r"<textarea[^>]*name=\"notes\"[^>]*>", form)
    assert textarea, "notes are edited in a text area"
    assert 'maxlength="255"' in textarea.group(0)
    assert '<input type="text" name="notes"' not in form
    # A browser sends the text area's line breaks as CRLF.
    notes = "Maintenance 3-7 June.\r\nContainers: Apptainer 1.3 only."
    response = client.post(edit_url(partition), edit_data(partition, notes=notes))
    assert response.status_code == 302
    partition.refresh_from_db()
    assert partition.notes == "Maintenance 3-7 June.\nContainers: Apptainer 1.3 only."
    page = client.get(response.url).content.decode()
    assert "Maintenance 3-7 June.<br>Containers: Apptainer 1.3 only." in page
    # Shown again in the text area as stored.
    assert "Maintenance 3-7 June.\nContainers" in client.get(edit_url(partition)).content.decode()


@pytest.mark.django_db
def test_saved_is_said_only_when_something_changed(client):
    from portal.models import Activity

    admin = CentreMembershipFactory(administrator=True)
    partition = PartitionFactory(
        centre=admin.centre, nodes=1120, notes="Maintenance in June\nSecond line"
    )
    client.force_login(admin.user)
    # Sent back as the browser shows it: nothing changed (the notes' line break comes as CRLF).
    unchanged = edit_data(partition, notes="Maintenance in June\r\nSecond line")
    response = client.post(edit_url(partition), unchanged, follow=True)
    page = response.content.decode()
    assert "was saved" not in page
    assert f"Nothing was changed on {partition.system_name} {partition.name}." in page
    assert not Activity.objects.filter(verb="partition.update").exists()
    # A real change is saved, and said.
    response = client.post(edit_url(partition), edit_data(partition, nodes=1100), follow=True)
    page = response.content.decode()
    assert f"{partition.system_name} {partition.name} was saved." in page
    assert "Nothing was changed" not in page
    assert Activity.objects.filter(verb="partition.update").count() == 1


@pytest.mark.django_db
def test_centre_staff_find_their_own_centre_first_on_the_list(client):
    assessor = CentreMembershipFactory()
    CentreMembershipFactory(centre=assessor.centre, user=assessor.user, administrator=True)
    other = CentreFactory(name="Elsewhere Centre")
    client.force_login(assessor.user)
    page = client.get(reverse("allocations:centre_list")).content.decode()
    mine = re.search(r'<section[^>]*aria-labelledby="my-centres".*?</section>', page, re.S)
    assert mine, "centre staff see where they work"
    detail = reverse("allocations:centre_detail", kwargs={"pk": assessor.centre_id})
    assert f'href="{detail}#capacity"' in mine.group(0)
    assert "technical assessor, centre administrator" in mine.group(0)
    assert other.name not in mine.group(0)
    client.force_login(UserFactory())
    assert "Where you work" not in client.get(reverse("allocations:centre_list")).content.decode()
