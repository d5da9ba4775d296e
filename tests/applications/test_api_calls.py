"""Public call catalogue in the API: anyone can read published calls, in UTC."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle

from applications.modes import AccessMode
from tests.factories import (
    CallFactory,
    CallPartitionFactory,
    CutOffFactory,
    EvaluationCriterionFactory,
    PartitionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttle_counters(monkeypatch):
    # Each test counts its own requests (the shared cache may be Redis, used by other tests too).
    counters = LocMemCache("api-throttle-tests", {})
    counters.clear()
    monkeypatch.setattr(SimpleRateThrottle, "cache", counters)


@pytest.fixture
def api():
    return APIClient()


def test_anonymous_lists_published_calls_only(api):
    published = CallFactory(title="Fast Lane spring")
    CallFactory(title="Draft call", is_published=False)
    response = api.get("/api/v1/calls/")
    assert response.status_code == 200
    assert [c["slug"] for c in response.json()["results"]] == [published.slug]


def test_unpublished_call_is_not_found(api):
    draft = CallFactory(is_published=False)
    assert api.get(f"/api/v1/calls/{draft.slug}/").status_code == 404


def test_call_detail_has_cutoffs_in_utc_partitions_and_criteria(api):
    call = CallFactory(mode=AccessMode.FAST_LANE)
    # 10:00 Brussels summer time is 08:00 UTC; the API states the UTC instant.
    CutOffFactory(call=call, at=datetime.datetime(2031, 6, 15, 8, 0, tzinfo=datetime.UTC))
    partition = PartitionFactory(
        system_name="MareNostrum 5", name="ACC", accelerator_model="NVIDIA H100 64 GB"
    )
    CallPartitionFactory(
        call=call, partition=partition, min_hours=Decimal(10000), max_hours=Decimal(50000)
    )
    EvaluationCriterionFactory(call=call, name="Excellence", weight=Decimal("2"))
    user = UserFactory(timezone="America/New_York")
    api.force_authenticate(user)  # a viewer elsewhere still gets UTC

    body = api.get(f"/api/v1/calls/{call.slug}/").json()

    assert body["mode"] == "fast_lane"
    assert body["cutoffs"][0]["at"] == "2031-06-15T08:00:00Z"
    assert body["opens_at"].endswith("Z")
    offered = body["offered_partitions"][0]
    assert offered["min_hours"] == 10000
    assert offered["max_hours"] == 50000
    assert offered["unit"] == "gpu_hours"
    assert offered["unit_label"] == "GPU-hours"
    assert offered["partition"]["system_name"] == "MareNostrum 5"
    assert offered["partition"]["accelerators_per_node"] == 4
    assert offered["partition"]["accelerator_model"] == "NVIDIA H100 64 GB"
    assert body["criteria"][0]["name"] == "Excellence"
    assert body["criteria"][0]["weight"] == "2.00"


def test_large_scale_partition_without_upper_limit(api):
    call = CallFactory(mode=AccessMode.LARGE_SCALE)
    CallPartitionFactory(call=call)
    offered = api.get(f"/api/v1/calls/{call.slug}/").json()["offered_partitions"][0]
    assert offered["min_hours"] == 50001
    assert offered["max_hours"] is None


def test_filter_calls_by_mode(api):
    fast = CallFactory(mode=AccessMode.FAST_LANE)
    CallFactory(mode=AccessMode.PLAYGROUND)
    response = api.get("/api/v1/calls/", {"mode": "fast_lane"})
    assert [c["slug"] for c in response.json()["results"]] == [fast.slug]
    assert api.get("/api/v1/calls/", {"mode": "nonsense"}).status_code == 400


def test_call_list_query_count_does_not_grow_with_calls(api):
    def make_call():
        call = CallFactory()
        CutOffFactory(call=call)
        CallPartitionFactory(call=call)
        EvaluationCriterionFactory(call=call)

    make_call()
    with CaptureQueriesContext(connection) as one:
        assert api.get("/api/v1/calls/").status_code == 200
    for _ in range(19):
        make_call()
    with CaptureQueriesContext(connection) as twenty:
        assert len(api.get("/api/v1/calls/").json()["results"]) == 20
    assert len(twenty) == len(one)


def test_anonymous_requests_are_throttled(api, monkeypatch):
    # DRF reads the rates once, at import; patch them to keep the test short.
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/min", "user": "600/min"})
    codes = [api.get("/api/v1/calls/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_browsable_api_page_uses_local_assets_only(client):
    CallFactory()
    response = client.get("/api/v1/calls/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assets = re.findall(r'(?:src|href)="(/[^"]*\.(?:js|css))"', response.content.decode())
    assert assets
    assert all(a.startswith("/static/") for a in assets)
    assert not re.search(r'(?:src|href)="https?://', response.content.decode())
