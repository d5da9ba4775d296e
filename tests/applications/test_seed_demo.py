"""`manage.py seed_demo`: a demo programme with a working login per role, safe to run twice."""

import re
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse

from applications.models import Call
from applications.selectors.calls import calls_open
from portal import roles
from portal.models import User

pytestmark = pytest.mark.django_db

COUNTED = [
    "portal.User",
    "portal.Organisation",
    "portal.Membership",
    "auth.Group",
    "account.EmailAddress",
    "allocations.Centre",
    "allocations.Partition",
    "allocations.CentreMembership",
    "allocations.CapacityPool",
    "applications.Call",
    "applications.CutOff",
    "applications.CallPartition",
    "applications.CutOffPool",
    "applications.EvaluationCriterion",
]


def _counts() -> dict[str, int]:
    return {label: apps.get_model(label).objects.count() for label in COUNTED}


def _seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_running_twice_changes_nothing():
    _seed()
    first = _counts()
    groups = {u.email: sorted(u.groups.values_list("name", flat=True)) for u in User.objects.all()}
    _seed()
    assert _counts() == first
    assert groups == {
        u.email: sorted(u.groups.values_list("name", flat=True)) for u in User.objects.all()
    }
    assert first["applications.Call"] == 3
    assert first["applications.CutOff"] > 3


def test_open_calls_in_each_mode_with_cutoffs_partitions_and_pools(client):
    _seed()
    open_calls = list(calls_open())
    assert {c.mode for c in open_calls} == {"playground", "fast_lane", "large_scale"}
    for call in Call.objects.all():
        assert call.is_published
        assert call.criteria.count() == 3
        offered = call.offered_partitions.count()
        assert offered >= 3
        assert call.cutoffs.count() >= 1
        for cutoff in call.cutoffs.all():
            assert cutoff.pools.count() == offered
            assert all(p.pool.hours > 0 for p in cutoff.pools.select_related("pool"))
    page = client.get("/").content.decode()
    assert "AI Factories Playground" in page and "AI Factories Large Scale" in page


def test_printed_logins_work_for_every_role(client):
    output = _seed()
    assert "http://127.0.0.1:8000" in output
    logins = re.findall(r"(\S+@demo\.example)\s+(\S+)", output)
    assert len(logins) == 7
    for email, password in logins:
        assert client.login(username=email, password=password), email
        assert EmailAddress.objects.get(email=email).verified
        client.logout()
    by_email = {u.email: u for u in User.objects.all()}
    assert roles.is_programme_officer(by_email["officer@demo.example"])
    assert roles.is_reviewer(by_email["reviewer@demo.example"])
    assert roles.is_technical_assessor(by_email["assessor@demo.example"])
    assert roles.is_centre_administrator(by_email["centre.admin@demo.example"])
    assert by_email["admin@demo.example"].is_superuser
    assert by_email["founder@demo.example"].organisations.get().legal_name
    assert by_email["teammate@demo.example"].organisations.count() == 1


def test_applicant_logs_in_through_the_login_page(client):
    output = _seed()
    email, password = re.findall(r"(founder@demo\.example)\s+(\S+)", output)[0]
    response = client.post(reverse("account_login"), {"login": email, "password": password})
    assert response.status_code == 302
    assert client.get("/").wsgi_request.user.email == email
