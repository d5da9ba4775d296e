"""The centre page's capacity: pools grouped by call and cut-off, requested hours against each."""

import ast
import re
from datetime import timedelta
from decimal import Decimal
from html import unescape
from pathlib import Path

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from allocations import pool_demand
from allocations.pool_demand import PoolDemand
from allocations.selectors import centre_capacity
from applications.services import calls as call_services
from applications.services.proposals import proposal_submit, proposal_withdraw
from tests.factories import (
    CallFactory,
    CapacityPoolFactory,
    CentreMembershipFactory,
    MembershipFactory,
    PartitionFactory,
    ProgrammeOfficerFactory,
    ResourceRequestFactory,
    SubmittableProposalFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def centre_url(centre) -> str:
    return reverse("allocations:centre_detail", kwargs={"pk": centre.pk})


def offer(call, partition, pool_hours, officer):
    return call_services.offered_partition_add(
        call=call, partition=partition, by=officer, pool_hours_per_cutoff=Decimal(pool_hours)
    )


def submitted(cutoff, offered, hours, *, at=None):
    """A proposal submitted to `cutoff` through the service, `at` a moment before it."""
    proposal = SubmittableProposalFactory(
        cutoff=cutoff, request__offered_partition=offered, request__hours=Decimal(hours)
    )
    with time_machine.travel(at or timezone.now(), tick=False):
        return proposal_submit(proposal=proposal, by=proposal.created_by)


def section_of(page: str, heading: str) -> str:
    """The card of the call whose heading is `heading`."""
    for match in re.finditer(r'<section class="card.*?</section>', page, re.S):
        if heading in match.group(0):
            return match.group(0)
    raise AssertionError(f"no section for {heading}")


def text(html: str) -> str:
    """What a reader sees: the text without tags, spaces collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split()).replace(" )", ")")


@pytest.fixture
def programme():
    """A centre with a GPU and a CPU partition, offered by two calls with cut-offs in the past,
    the next one, and later ones."""
    admin = CentreMembershipFactory(administrator=True)
    gpu = PartitionFactory(centre=admin.centre, system_name="Booster", name="ACC")
    cpu = PartitionFactory(centre=admin.centre, system_name="Cluster", name="GPP", cpu=True)
    officer = UserFactory()
    now = timezone.now().replace(microsecond=0)
    fast = CallFactory(
        title="Fast Lane spring",
        opens_at=now - timedelta(days=60),
        closes_at=now + timedelta(days=120),
    )
    large = CallFactory(
        title="Large Scale spring",
        mode="large_scale",
        opens_at=now - timedelta(days=60),
        closes_at=now + timedelta(days=120),
    )
    fast_gpu = offer(fast, gpu, 400_000, officer)
    large_gpu = offer(large, gpu, 2_000_000, officer)
    large_cpu = offer(large, cpu, 20_000_000, officer)
    fast_past = call_services.cutoff_add(call=fast, at=now - timedelta(days=20), by=officer)
    fast_next = call_services.cutoff_add(call=fast, at=now + timedelta(days=10), by=officer)
    fast_later = [
        call_services.cutoff_add(call=fast, at=now + timedelta(days=d), by=officer)
        for d in (40, 70)
    ]
    large_next = call_services.cutoff_add(call=large, at=now + timedelta(days=30), by=officer)
    return {
        "admin": admin,
        "gpu": gpu,
        "cpu": cpu,
        "fast": fast,
        "large": large,
        "fast_gpu": fast_gpu,
        "large_gpu": large_gpu,
        "large_cpu": large_cpu,
        "fast_past": fast_past,
        "fast_next": fast_next,
        "fast_later": fast_later,
        "large_next": large_next,
    }


def test_pools_are_grouped_by_call_and_cut_off_with_no_undated_rows(client, programme):
    client.force_login(programme["admin"].user)
    page = client.get(centre_url(programme["admin"].centre)).content.decode()
    assert "Capacity by call and cut-off" in page
    assert "Not dated" not in page
    fast = section_of(page, "Fast Lane spring")
    large = section_of(page, "Large Scale spring")
    # The call's cut-offs: the next one first, then the past one, the later ones folded away.
    next_at = fast.index("Next")
    past_at = fast.index("Closed")
    later_at = fast.index("2 later cut-offs")
    assert next_at < past_at < later_at
    assert "<details" in fast
    assert "400,000 GPU-hours" in text(fast)
    assert "Cluster GPP" not in fast  # the CPU partition is offered by the other call only
    # One cut-off of the other call with both partitions, each in its own unit.
    assert large.count("Cut-off ") == 1
    assert "0 of 2,000,000 GPU-hours requested (0 %)" in text(large)
    assert "0 of 20,000,000 core-hours requested (0 %)" in text(large)
    assert "Fast Lane" not in large.replace("Large Scale spring", "")


def test_requested_hours_count_submitted_proposals_of_that_cut_off_only(client, programme):
    p = programme
    # Past cut-off: two proposals submitted before its deadline, together over the pool.
    before = p["fast_past"].at - timedelta(days=3)
    with time_machine.travel(before, tick=False):
        first = submitted(p["fast_past"], p["fast_gpu"], 50_000, at=before)
        submitted(p["fast_past"], p["fast_gpu"], 40_000, at=before)
        withdrawn = submitted(p["fast_past"], p["fast_gpu"], 30_000, at=before)
        proposal_withdraw(proposal=withdrawn, by=withdrawn.created_by, reason="Funding moved.")
    # The next cut-off: one submitted, one still a draft (drafts are not demand yet).
    submitted(p["fast_next"], p["fast_gpu"], 25_000)
    ResourceRequestFactory(
        proposal=SubmittableProposalFactory(cutoff=p["fast_next"], request=False),
        offered_partition=p["fast_gpu"],
        hours=Decimal(45_000),
    )
    # Large Scale: one proposal asking for both partitions.
    large = SubmittableProposalFactory(
        cutoff=p["large_next"],
        request__offered_partition=p["large_gpu"],
        request__hours=Decimal(500_000),
        request__duration_months=6,
    )
    ResourceRequestFactory(
        proposal=large,
        offered_partition=p["large_cpu"],
        hours=Decimal(5_000_000),
        duration_months=6,
    )
    proposal_submit(proposal=large, by=large.created_by)
    assert first.status == "submitted"

    capacity = centre_capacity(centre=p["admin"].centre)
    calls = {call.title: call for call in capacity.calls}
    fast = calls["Fast Lane spring"]
    (past,) = fast.past
    assert [(line.requested_hours, line.proposals) for line in past.lines] == [(90_000, 2)]
    assert [(line.requested_hours, line.proposals) for line in fast.next.lines] == [(25_000, 1)]
    assert [line.requested_hours for c in fast.later for line in c.lines] == [0, 0]
    large_lines = {line.partition.name: line for line in calls["Large Scale spring"].next.lines}
    assert large_lines["ACC"].requested_hours == 500_000
    assert large_lines["GPP"].requested_hours == 5_000_000
    assert large_lines["GPP"].requested_percent == 25

    client.force_login(p["admin"].user)
    page = client.get(centre_url(p["admin"].centre)).content.decode()
    section = section_of(page, "Fast Lane spring")
    assert "25,000 of 400,000 GPU-hours requested (6 %)" in text(section)
    assert re.search(r"· 1 proposal\b(?!s)", text(section))
    assert "90,000 of 400,000 GPU-hours requested (22 %)" in text(section)
    assert "· 2 proposals" in text(section)
    assert "5,000,000 of 20,000,000 core-hours requested (25 %)" in text(page)


def test_an_oversubscribed_pool_is_flagged(client, programme):
    p = programme
    call_services.cutoff_pools_set(
        call=p["fast"],
        by=ProgrammeOfficerFactory(),
        hours={(p["fast_next"].pk, p["fast_gpu"].pk): Decimal(30_000)},
    )
    submitted(p["fast_next"], p["fast_gpu"], 25_000)
    submitted(p["fast_next"], p["fast_gpu"], 20_000)
    client.force_login(p["admin"].user)
    section = section_of(
        client.get(centre_url(p["admin"].centre)).content.decode(), "Fast Lane spring"
    )
    assert "45,000 of 30,000 GPU-hours requested (150 %)" in text(section)
    assert "Oversubscribed 1.5×" in text(section)
    assert section.count("Oversubscribed") == 1
    meter = re.search(r'<meter[^>]*max="45000(\.00)?"[^>]*>', section)
    assert meter and 'high="30000' in meter.group(0), "the meter is scaled to the requests"


def test_pools_set_aside_for_a_period_are_listed_apart_with_their_dates(client, programme):
    from datetime import date

    centre = programme["admin"].centre
    CapacityPoolFactory(
        partition=programme["gpu"],
        label="Reserve for industry pilots",
        hours=Decimal(100_000),
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 6, 30),
    )
    CapacityPoolFactory(partition=programme["cpu"], label="Standing reserve", hours=Decimal(5))
    client.force_login(programme["admin"].user)
    page = client.get(centre_url(centre)).content.decode()
    other = section_of(page, "Other pools")
    assert "Reserve for industry pilots" in other
    assert "1 Jan 2026 to 30 Jun 2026" in other
    assert "Standing reserve" in other
    assert "Not dated" not in page
    assert "Reserve for industry pilots" not in section_of(page, "Fast Lane spring")


def test_technical_assessors_and_officers_see_the_figures_others_do_not(client, programme):
    p = programme
    submitted(p["fast_next"], p["fast_gpu"], 25_000)
    url = centre_url(p["admin"].centre)
    assessor = CentreMembershipFactory(centre=p["admin"].centre).user
    from django.contrib.auth.models import Group

    from portal.models.accounts import PROGRAMME_OFFICER_GROUP
    from portal.roles import ensure_role_groups
    from tests.factories.allocations import enable_totp

    ensure_role_groups()
    officer = UserFactory()
    officer.groups.add(Group.objects.get(name=PROGRAMME_OFFICER_GROUP))
    enable_totp(officer)
    for user in (assessor, officer):
        client.force_login(user)
        assert "25,000 of 400,000 GPU-hours requested" in text(client.get(url).content.decode())
    other_centre = CentreMembershipFactory(administrator=True).user
    applicant = MembershipFactory().user
    for user in (other_centre, applicant, None):
        if user is None:
            client.logout()
        else:
            client.force_login(user)
        page = client.get(url).content.decode()
        assert "Capacity by call and cut-off" not in page
        assert "25,000" not in page
        assert "Fast Lane spring" not in page


def test_centre_page_queries_do_not_grow_with_calls_cut_offs_and_requests(client, programme):
    p = programme
    client.force_login(p["admin"].user)
    url = centre_url(p["admin"].centre)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    few = count()
    officer = UserFactory()
    now = timezone.now().replace(microsecond=0)
    for n in range(3):
        call = CallFactory(opens_at=now - timedelta(days=5), closes_at=now + timedelta(days=90))
        offered = offer(call, p["gpu"], 100_000, officer)
        offer(call, p["cpu"], 1_000_000, officer)
        cutoff = call_services.cutoff_add(call=call, at=now + timedelta(days=10 + n), by=officer)
        call_services.cutoff_add(call=call, at=now + timedelta(days=40 + n), by=officer)
        submitted(cutoff, offered, 20_000)
        submitted(cutoff, offered, 30_000)
    submitted(p["fast_next"], p["fast_gpu"], 25_000)
    assert count() == few


def test_a_registered_provider_groups_pools_of_its_own(programme):
    """Any app may say what pools are for; allocations asks every provider once per page."""
    pool = CapacityPoolFactory(partition=programme["cpu"], label="Industry pilots")
    asked = []

    def pilots(pool_ids):
        asked.append(set(pool_ids))
        return [
            PoolDemand(
                pool_id=pool.pk,
                call_key="pilots:1",
                call_title="Industry pilots",
                call_mode="Pilot",
                cutoff_at=timezone.now() + timedelta(days=3),
                cutoff_label="in three days",
                requested_hours=Decimal(2),
                proposals=1,
            )
        ]

    pool_demand.pool_demand_provider_register(pilots)
    pool_demand.pool_demand_provider_register(pilots)  # twice: still asked once
    try:
        capacity = centre_capacity(centre=programme["admin"].centre)
    finally:
        pool_demand.pool_demand_provider_unregister(pilots)
    assert len(asked) == 1 and pool.pk in asked[0]
    titles = [call.title for call in capacity.calls]
    assert titles == ["Fast Lane spring", "Industry pilots", "Large Scale spring"]
    pilots_call = capacity.calls[1]
    assert pilots_call.next.lines[0].pool == pool
    assert pilots_call.next.lines[0].requested_hours == 2
    assert capacity.other_pools == []
    assert pool_demand.pool_demands([]) == {}


def test_allocations_imports_nothing_from_the_apps_above_it():
    """Layering: portal <- allocations <- applications <- reviews."""
    root = Path(__file__).resolve().parents[2] / "allocations"
    offenders = []
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            offenders += [
                f"{path.relative_to(root.parent)}: {name}"
                for name in names
                if name.split(".")[0] in ("applications", "reviews")
            ]
    assert offenders == []


def test_older_past_cut_offs_are_folded_away_with_their_figures(client, programme):
    p = programme
    officer = UserFactory()
    at = p["fast_past"].at
    older = []
    for weeks in (1, 2, 3):  # three more past cut-offs before the one of the fixture
        older.append(
            call_services.cutoff_add(call=p["fast"], at=at - timedelta(weeks=weeks), by=officer)
        )
    oldest = older[-1]
    submitted(oldest, p["fast_gpu"], 12_000, at=oldest.at - timedelta(days=2))
    client.force_login(p["admin"].user)
    section = section_of(
        client.get(centre_url(p["admin"].centre)).content.decode(), "Fast Lane spring"
    )
    shown, folded = section.split("earlier cut-off", 1)
    assert shown.count("Closed") == 3  # the three most recent past cut-offs, in full
    assert "1 earlier cut-off" in text(section)
    assert "12,000 of 400,000 GPU-hours requested · 1 proposal" in text(
        folded.split("</details>")[0]
    )
    assert "12,000" not in shown
