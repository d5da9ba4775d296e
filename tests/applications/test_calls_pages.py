"""The public side of calls: the home page's open calls and each call's own page."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from applications.modes import AccessMode
from tests.factories import (
    CallFactory,
    CallPartitionFactory,
    CutOffFactory,
    EvaluationCriterionFactory,
    PartitionFactory,
    ProgrammeOfficerFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _staff_without_totp(settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False


def _open_call(**kwargs):
    call = CallFactory(**kwargs)
    CallPartitionFactory(call=call, partition=PartitionFactory(system_name="MareNostrum 5"))
    CutOffFactory(call=call, at=timezone.now() + timedelta(days=3))
    return call


# --- Home ---------------------------------------------------------------------------------------


def test_home_lists_open_published_calls_only(client):
    open_call = _open_call(title="Fast Lane now")
    CallFactory(title="Draft call", is_published=False)
    CallFactory(
        title="Old call",
        opens_at=timezone.now() - timedelta(days=90),
        closes_at=timezone.now() - timedelta(days=1),
    )
    CallFactory(title="Future call", opens_at=timezone.now() + timedelta(days=5))
    page = client.get("/").content.decode()
    assert "Fast Lane now" in page
    assert open_call.get_absolute_url() in page
    assert "MareNostrum 5" in page
    for hidden in ("Draft call", "Old call", "Future call"):
        assert hidden not in page


def test_home_shows_the_next_cutoff_with_its_zone(client):
    call = CallFactory()
    CutOffFactory(call=call, at=timezone.now() - timedelta(hours=1))  # already passed
    at = (timezone.now() + timedelta(days=40)).replace(second=0, microsecond=0)
    CutOffFactory(call=call, at=at)
    page = client.get("/").content.decode()
    local = at.astimezone(timezone.get_default_timezone())
    assert f"{local.day} {local:%b %Y, %H:%M} {local.tzname()} (Europe/Brussels)" in page


def test_home_empty_state(client):
    response = client.get("/")
    assert "There are no open calls at the moment" in response.content.decode()


def _count_home_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/").status_code == 200
    return len(ctx.captured_queries)


def test_home_query_count_does_not_grow_with_calls(client):
    _open_call()
    one = _count_home_queries(client)
    for _ in range(19):
        _open_call()
    twenty = _count_home_queries(client)
    assert one == twenty
    assert client.get("/").content.decode().count("Read the call") == 20


# --- Call page ----------------------------------------------------------------------------------


def test_call_page_tells_an_applicant_what_they_need(client):
    call = CallFactory(mode=AccessMode.LARGE_SCALE, title="Large Scale 2027")
    CallPartitionFactory(
        call=call,
        partition=PartitionFactory(
            system_name="LUMI", name="G", accelerator_model="AMD MI250X", accelerators_per_node=8
        ),
    )
    CutOffFactory(call=call, at=datetime(2031, 12, 1, 9, 0, 0, tzinfo=UTC))
    EvaluationCriterionFactory(call=call, name="Excellence")
    page = client.get(call.get_absolute_url()).content.decode()
    assert "Large Scale 2027" in page
    assert "Access mode: Large Scale" in page
    assert "peer reviewed by independent experts" in page  # what the mode means
    assert "8x AMD MI250X per node" in page  # hardware
    assert "50,001 – no limit GPU-hours" in page  # limits in the unit
    assert "1 Dec 2031, 10:00 CET (Europe/Brussels)" in page
    assert 'data-countdown-to="2031-12-01T09:00:00Z"' in page
    assert "js/countdown.js" in page
    assert "Peer review and panel" in page and "In panel" in page  # how evaluation works
    assert "Excellence" in page
    apply_url = reverse("applications:proposal_create", kwargs={"slug": call.slug})
    assert f'href="{apply_url}"' in page


def test_fast_lane_page_describes_first_come_first_served(client):
    call = _open_call(mode=AccessMode.FAST_LANE)
    page = client.get(call.get_absolute_url()).content.decode()
    assert "First come, first served" in page
    assert "In panel" not in page


def test_closed_call_has_no_apply_button(client):
    call = CallFactory(
        opens_at=timezone.now() - timedelta(days=60), closes_at=timezone.now() - timedelta(days=1)
    )
    CutOffFactory(call=call, at=timezone.now() - timedelta(days=2))
    page = client.get(call.get_absolute_url()).content.decode()
    assert "this call is closed" in page
    assert reverse("applications:proposal_create", kwargs={"slug": call.slug}) not in page


def test_unpublished_call_is_404_to_the_public_and_visible_to_officers(client):
    call = CallFactory(is_published=False)
    assert client.get(call.get_absolute_url()).status_code == 404
    client.force_login(UserFactory())
    assert client.get(call.get_absolute_url()).status_code == 404
    client.force_login(ProgrammeOfficerFactory())
    response = client.get(call.get_absolute_url())
    assert response.status_code == 200
    assert "This call is not published" in response.content.decode()


def test_unknown_call_is_404(client):
    assert client.get("/calls/no-such-call/").status_code == 404


def test_times_follow_the_viewers_zone(client):
    call = _open_call()
    CutOffFactory(call=call, at=datetime(2031, 12, 1, 9, 0, tzinfo=UTC))
    client.force_login(UserFactory(timezone="America/New_York"))
    page = client.get(call.get_absolute_url()).content.decode()
    assert "1 Dec 2031, 04:00 EST (America/New_York)" in page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_countdown_ticks_in_the_browser(page):
    call = _open_call()
    page.goto(call.get_absolute_url())
    timer = page.locator("[data-countdown-to]")
    first = timer.inner_text()
    assert re.fullmatch(r"\d+ days \d+ h \d+ min \d+ s left", first)  # a duration, not a clock
    page.wait_for_function(
        "first => document.querySelector('[data-countdown-to]').textContent !== first", arg=first
    )
    assert timer.inner_text().endswith("left")
