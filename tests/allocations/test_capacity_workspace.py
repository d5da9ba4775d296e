"""The centre administrator's workspace: each pool of their centres with its capacity and the
hours requested, reserved, active and free; reached from their navigation, closed to others."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from allocations.models import Allocation
from allocations.services import pool_reserve, reservation_release
from tests.allocations.test_capacity import programme, section_of, submitted, text  # noqa: F401
from tests.factories import (
    CapacityPoolFactory,
    CentreMembershipFactory,
    OrganisationFactory,
    PartitionFactory,
    ProgrammeOfficerFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

URL = reverse("allocations:capacity")


def pool_line(page: str, pool) -> str:
    match = re.search(rf'id="pool-{pool.pk}">(.*?)</(?:li|div>\s*</div)', page, re.S)
    assert match, f"no line for pool {pool.pk}"
    return text(match.group(1))


def reserve(pool, hours, reference, by):
    return pool_reserve(
        pool=pool, hours=Decimal(hours), holder=OrganisationFactory(), reference=reference, by=by
    )


def test_the_administrators_menu_leads_to_the_pools_with_requested_reserved_and_free(
    client,
    programme,  # noqa: F811
):
    p = programme
    officer = ProgrammeOfficerFactory()
    submitted(p["fast_next"], p["fast_gpu"], 40_000)
    submitted(p["fast_next"], p["fast_gpu"], 20_000)
    pool = p["fast_next"].pools.get(offered_partition=p["fast_gpu"]).pool
    reserve(pool, 40_000, "AWD-1", officer)
    reserve(pool, 20_000, "AWD-2", officer)
    reservation_release(reference="AWD-2", by=officer, reason="Declined.")
    reserve(pool, 20_000, "AWD-3", officer)
    Allocation.objects.filter(reference="AWD-3").update(status=Allocation.Status.ACTIVE)

    client.force_login(p["admin"].user)
    home = client.get(reverse("applications:dashboard")).content.decode()
    assert f'href="{URL}">Centres</a>' in home
    page = client.get(URL).content.decode()
    assert "<h1" in page and ">Capacity</h1>" in page
    fast = section_of(page, "Fast Lane spring")
    assert "Next" in fast
    line = text(fast)
    assert (
        "60,000 of 400,000 GPU-hours requested (15 %) · 2 proposals "
        "40,000 reserved · 20,000 active · 340,000 free"
    ) in line
    # Every other pool of the centre shows its figures too, all still free.
    assert (
        "0 of 20,000,000 core-hours requested (0 %) · 0 proposals 0 reserved · 20,000,000 free"
        in (text(section_of(page, "Large Scale spring")))
    )
    # The centre page shows the same figures.
    centre_page = client.get(
        reverse("allocations:centre_detail", kwargs={"pk": p["admin"].centre_id})
    ).content.decode()
    assert "40,000 reserved · 20,000 active · 340,000 free" in text(centre_page)


def test_a_pool_cut_below_what_it_holds_says_so(client):
    admin = CentreMembershipFactory(administrator=True)
    pool = CapacityPoolFactory(
        partition=PartitionFactory(centre=admin.centre), label="Reserve", hours=Decimal(1_000)
    )
    reserve(pool, 800, "AWD-1", ProgrammeOfficerFactory())
    type(pool).objects.filter(pk=pool.pk).update(hours=Decimal(500))
    client.force_login(admin.user)
    line = pool_line(client.get(URL).content.decode(), pool)
    assert "800 reserved · 0 free 300 over the pool" in line


def test_an_administrator_of_two_centres_sees_both_and_nothing_of_a_third(client):
    first = CentreMembershipFactory(administrator=True)
    second = CentreMembershipFactory(administrator=True, user=first.user)
    third = CentreMembershipFactory(administrator=True)
    pools = [
        CapacityPoolFactory(partition=PartitionFactory(centre=m.centre), label=f"Reserve {n}")
        for n, m in enumerate((first, second, third))
    ]
    client.force_login(first.user)
    page = client.get(URL).content.decode()
    assert first.centre.name in page and second.centre.name in page
    assert f'id="pool-{pools[0].pk}"' in page and f'id="pool-{pools[1].pk}"' in page
    assert f'id="pool-{pools[2].pk}"' not in page and third.centre.name not in page


@pytest.mark.parametrize(
    "who",
    [
        lambda: UserFactory(),
        lambda: ProgrammeOfficerFactory(),
        lambda: CentreMembershipFactory().user,  # a technical assessor only
        lambda: UserFactory(is_superuser=True, is_staff=True),
    ],
    ids=["applicant", "programme officer", "technical assessor", "superuser"],
)
def test_only_centre_administrators_have_the_workspace(client, who):
    user = who()
    if user.is_superuser:
        from tests.factories.portal import give_totp

        give_totp(user)
    client.force_login(user)
    response = client.get(URL)
    assert response.status_code == 404
    assert "Reserve" not in response.content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "login" in response.url


def test_the_workspace_costs_the_same_queries_for_1_and_50_pools(client, assert_queries_constant):
    admin = CentreMembershipFactory(administrator=True)
    partition = PartitionFactory(centre=admin.centre)
    officer = ProgrammeOfficerFactory()
    first = CapacityPoolFactory(partition=partition, label="Reserve 0")
    reserve(first, 1_000, "AWD-0", officer)
    client.force_login(admin.user)

    def grow():
        for n in range(1, 50):
            pool = CapacityPoolFactory(partition=partition, label=f"Reserve {n}")
            reserve(pool, 1_000 + n, f"AWD-{n}", officer)

    def get():
        response = client.get(URL)
        assert response.status_code == 200
        return response

    assert_queries_constant(get, grow=grow, at_most=12)
    assert get().content.decode().count(" reserved · ") == 50
