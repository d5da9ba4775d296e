"""The officer's closure days: added and removed on their page, refused with a reason when the
day is no working day anyway, and out of reach of every other role."""

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from applications.models import ClosureDay
from portal.models import Activity
from tests.factories import (
    CentreMembershipFactory,
    ProgrammeOfficerFactory,
    ProposalFactory,
    ReviewerFactory,
)

pytestmark = pytest.mark.django_db

PAGE = "applications:officer_closure_days"
REMOVE = "applications:officer_closure_day_remove"


@pytest.fixture(autouse=True)
def _frozen_and_without_totp(settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    with time_machine.travel(date(2026, 12, 1), tick=False):
        yield


@pytest.fixture
def officer(client):
    user = ProgrammeOfficerFactory()
    client.force_login(user)
    return user


def _add(client, day: str, reason: str = "Office closed between Christmas and New Year"):
    return client.post(reverse(PAGE), {"date": day, "reason": reason})


def test_an_officer_adds_a_closure_day(client, officer):
    response = _add(client, "2026-12-28")
    assert response.status_code == 302
    closure = ClosureDay.objects.get()
    assert (closure.date, closure.created_by) == (date(2026, 12, 28), officer)
    page = client.get(response.url).content.decode()
    assert "Mon 28 Dec 2026 is a closure day" in page
    assert "Office closed between Christmas and New Year" in page
    assert "Christmas Day" in page  # the coming public holidays are listed
    entry = Activity.objects.get(verb="closure_day.add")
    assert (entry.actor, entry.data["date"]) == (officer, "2026-12-28")


def test_an_officer_removes_a_closure_day(client, officer):
    closure = ClosureDay.objects.create(date=date(2026, 12, 28), reason="Office closed")
    response = client.post(reverse(REMOVE, args=[closure.pk]))
    assert response.status_code == 302
    assert not ClosureDay.objects.exists()
    assert Activity.objects.filter(verb="closure_day.remove", actor=officer).count() == 1
    assert client.get(reverse(REMOVE, args=[closure.pk])).status_code == 405


@pytest.mark.parametrize(
    "day, reason, field, message",
    [
        ("2026-12-26", "Closed", "date", "Saturday 26 December 2026 is a weekend day"),
        ("2026-12-25", "Closed", "date", "is a public holiday in Luxembourg (Christmas Day)"),
        ("2026-06-23", "Closed", "date", "public holiday in Luxembourg (National Day)"),
        ("2040-01-03", "Closed", "date", "Pick a day between 2021 and 2031."),
        ("2026-12-28", "   ", "reason", "This field is required."),
        ("2026-12-28", "x" * 201, "reason", "at most 200 characters"),
        ("28 December", "Closed", "date", "Enter a valid date."),
    ],
)
def test_a_day_that_is_no_working_day_anyway_is_refused(
    client, officer, day, reason, field, message
):
    response = _add(client, day, reason)
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert not ClosureDay.objects.exists()
    # What was typed is kept.
    if reason.strip():
        assert reason[:50] in response.content.decode()


def test_a_day_recorded_twice_is_refused(client, officer):
    ClosureDay.objects.create(date=date(2026, 12, 28), reason="Office closed")
    response = _add(client, "2026-12-28", "Again")
    assert response.status_code == 400
    assert "Monday 28 December 2026 is already a closure day." in response.content.decode()
    assert ClosureDay.objects.count() == 1


def _other_roles():
    assessor = CentreMembershipFactory().user
    administrator = CentreMembershipFactory(administrator=True).user
    applicant = ProposalFactory().created_by
    return {
        "applicant": applicant,
        "reviewer": ReviewerFactory(),
        "technical assessor": assessor,
        "centre administrator": administrator,
    }


@pytest.mark.parametrize(
    "role", ["applicant", "reviewer", "technical assessor", "centre administrator"]
)
def test_only_officers_reach_the_closure_days(client, role):
    closure = ClosureDay.objects.create(date=date(2026, 12, 28), reason="Office closed")
    client.force_login(_other_roles()[role])
    assert client.get(reverse(PAGE)).status_code == 403
    assert _add(client, "2026-12-29").status_code == 403
    assert client.post(reverse(REMOVE, args=[closure.pk])).status_code == 404
    assert list(ClosureDay.objects.values_list("date", flat=True)) == [date(2026, 12, 28)]
    assert not Activity.objects.filter(verb__startswith="closure_day.").exists()


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(reverse(PAGE))
    assert response.status_code == 302 and "login" in response.url


def test_the_officers_calls_page_links_to_the_closure_days(client, officer):
    page = client.get(reverse("applications:officer_calls")).content.decode()
    assert reverse(PAGE) in page
