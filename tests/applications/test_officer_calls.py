"""Programme officers set up calls in the portal; nobody else reaches these pages."""

import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from allocations.units import Unit
from applications.models import Call, CutOff
from applications.modes import AccessMode
from portal.models import Activity
from tests.factories import (
    CallFactory,
    CallPartitionFactory,
    CutOffFactory,
    EvaluationCriterionFactory,
    MembershipFactory,
    PartitionFactory,
    ProgrammeOfficerFactory,
    ReviewerFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _staff_without_totp(settings):
    # Staff must enrol TOTP in production; the MFA gate has its own tests.
    settings.PORTAL_STAFF_MFA_REQUIRED = False


@pytest.fixture
def officer_client(client):
    client.force_login(ProgrammeOfficerFactory())
    return client


def _call_form(**overrides):
    data = {
        "title": "Fast Lane spring 2027",
        "slug": "",
        "mode": AccessMode.FAST_LANE,
        "summary": "Mid-size GPU access.",
        "description": "Apply for 10,000 to 50,000 GPU-hours.",
        "display_timezone": "Europe/Brussels",
        "opens_at": "2027-03-01T10:00",
        "closes_at": "2027-06-30T17:00",
        "eligible_countries": ["DE", "FR", "NO"],
        "eligible_organisation_kinds": ["startup", "sme"],
        "one_open_proposal_per_cutoff": "on",
        "abstract_max_chars": "2000",
    }
    data.update(overrides)
    return data


# --- Who may enter ------------------------------------------------------------------------------


def _officer_urls(call, cutoff, offered, criterion):
    return {
        "list": (reverse("applications:officer_calls"), 403),
        "create": (reverse("applications:officer_call_create"), 403),
        "all proposals": (reverse("applications:officer_proposals"), 403),
        "setup": (reverse("applications:officer_call_setup", args=[call.pk]), 404),
        "edit": (reverse("applications:officer_call_edit", args=[call.pk]), 404),
        "cutoff": (reverse("applications:officer_cutoff", args=[cutoff.pk]), 404),
        "partition": (reverse("applications:officer_partition_edit", args=[offered.pk]), 404),
        "criterion": (reverse("applications:officer_criterion_edit", args=[criterion.pk]), 404),
    }


@pytest.mark.parametrize("who", ["applicant", "reviewer"])
def test_other_roles_get_403_on_lists_and_404_on_objects(client, who):
    call = CallFactory()
    urls = _officer_urls(
        call,
        CutOffFactory(call=call),
        CallPartitionFactory(call=call),
        EvaluationCriterionFactory(call=call),
    )
    user = MembershipFactory().user if who == "applicant" else ReviewerFactory()
    client.force_login(user)
    for name, (url, status) in urls.items():
        assert client.get(url).status_code == status, name


def test_other_roles_cannot_change_a_call_by_posting(client):
    call = CallFactory(is_published=False)
    CutOffFactory(call=call)
    CallPartitionFactory(call=call)
    client.force_login(UserFactory())
    posts = [
        ("applications:officer_call_publication", {"action": "publish"}),
        ("applications:officer_cutoff_add", {"at": "2027-01-01T10:00", "timezone": "UTC"}),
        ("applications:officer_criterion_add", {"name": "X", "weight": "1"}),
        ("applications:officer_call_edit", _call_form()),
    ]
    for name, data in posts:
        assert client.post(reverse(name, args=[call.pk]), data).status_code == 404, name
    call.refresh_from_db()
    assert not call.is_published
    assert call.cutoffs.count() == 1
    assert call.title != "Fast Lane spring 2027"


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(reverse("applications:officer_calls"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_officer_reaches_every_page(officer_client):
    call = CallFactory()
    urls = _officer_urls(
        call,
        CutOffFactory(call=call),
        CallPartitionFactory(call=call),
        EvaluationCriterionFactory(call=call),
    )
    for name, (url, _) in urls.items():
        assert officer_client.get(url).status_code == 200, name


def test_navigation_shows_manage_calls_to_officers_only(client, officer_client):
    assert "Manage calls" in officer_client.get("/").content.decode()
    client.force_login(UserFactory())
    assert "Manage calls" not in client.get("/").content.decode()


# --- Creating and editing -----------------------------------------------------------------------


def test_officer_creates_a_call_with_the_mode_defaults(officer_client):
    response = officer_client.post(reverse("applications:officer_call_create"), _call_form())
    call = Call.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("applications:officer_call_setup", args=[call.pk])
    assert call.slug == "fast-lane-spring-2027"
    assert call.durations_months == [1, 2, 3]
    assert call.days_to_access == 4
    assert call.eligible_countries == ["DE", "FR", "NO"]
    # Typed as Brussels wall-clock time, stored in UTC.
    assert call.opens_at == datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
    assert call.closes_at == datetime(2027, 6, 30, 15, 0, tzinfo=UTC)
    assert call.criteria.count() == 3


def test_invalid_call_form_shows_field_errors_and_keeps_the_input(officer_client):
    response = officer_client.post(
        reverse("applications:officer_call_create"),
        _call_form(closes_at="2027-02-01T10:00", eligible_countries=["DE", "US"]),
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["closes_at"] == ["The closing date must be after the opening date."]
    assert "eligible_countries" in form.errors
    page = response.content.decode()
    assert 'value="Fast Lane spring 2027"' in page
    assert "Mid-size GPU access." in page
    assert not Call.objects.exists()


def test_editing_shows_times_in_the_call_zone_and_saves_changes(officer_client):
    call = CallFactory(
        opens_at=datetime(2027, 1, 4, 9, 0, tzinfo=UTC),
        closes_at=datetime(2027, 7, 1, 8, 0, tzinfo=UTC),
        display_timezone="Europe/Brussels",
    )
    url = reverse("applications:officer_call_edit", args=[call.pk])
    page = officer_client.get(url).content.decode()
    assert 'value="2027-01-04T10:00"' in page
    data = _call_form(
        title=call.title,
        slug=call.slug,
        mode=call.mode,
        opens_at="2027-01-04T10:00",
        closes_at="2027-07-01T10:00",
        durations_months=["1", "3"],
        days_to_access="7",
    )
    assert officer_client.post(url, data).status_code == 302
    call.refresh_from_db()
    assert call.durations_months == [1, 3]
    assert call.days_to_access == 7


def test_adding_a_cutoff_outside_the_window_is_a_field_error(officer_client):
    call = CallFactory(
        opens_at=datetime(2027, 1, 1, tzinfo=UTC), closes_at=datetime(2027, 3, 1, tzinfo=UTC)
    )
    url = reverse("applications:officer_cutoff_add", args=[call.pk])
    response = officer_client.post(url, {"at": "2027-04-01T10:00", "timezone": "Europe/Brussels"})
    assert response.status_code == 200
    errors = response.context["cutoff_form"].errors["at"]
    assert "outside the call's window" in errors[0]
    assert 'value="2027-04-01T10:00"' in response.content.decode()
    response = officer_client.post(url, {"at": "2027-02-01T10:00", "timezone": "Europe/Brussels"})
    assert response.status_code == 302
    assert CutOff.objects.get(call=call).at == datetime(2027, 2, 1, 9, 0, tzinfo=UTC)


def test_generating_a_continuous_schedule_from_the_page(officer_client):
    call = CallFactory(
        opens_at=datetime(2027, 1, 1, tzinfo=UTC), closes_at=datetime(2027, 4, 1, tzinfo=UTC)
    )
    url = reverse("applications:officer_cutoff_schedule", args=[call.pk])
    data = {"days_of_month": "1, 15", "clock": "10:00", "timezone": "Europe/Brussels"}
    assert officer_client.post(url, data).status_code == 302
    assert call.cutoffs.count() == 6  # 1 and 15 Jan, Feb, Mar; 1 Apr is after the closing
    response = officer_client.post(url, {**data, "days_of_month": "1, 31"})
    assert "between 1 and 28" in response.context["schedule_form"].errors["days_of_month"][0]
    setup = officer_client.get(reverse("applications:officer_call_setup", args=[call.pk]))
    assert "15 Jan 2027, 10:00 CET (Europe/Brussels)" in setup.content.decode()


def test_each_time_zone_label_on_the_setup_page_names_its_own_field(officer_client):
    """The single cut-off form and the schedule form both ask for a zone; with one id between
    them, the schedule's label would point at the other form's select."""
    call = CallFactory()
    page = officer_client.get(reverse("applications:officer_call_setup", args=[call.pk]))
    html = page.content.decode()
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert sorted({i for i in ids if ids.count(i) > 1}) == []
    assert 'for="id_schedule_timezone"' in html and 'id="id_schedule_timezone"' in html


def test_cutoffs_are_shown_in_the_viewers_zone_with_the_zone_named(client):
    officer = ProgrammeOfficerFactory(timezone="Europe/Helsinki")
    call = CallFactory()
    CutOffFactory(call=call, at=datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    client.force_login(officer)
    page = client.get(reverse("applications:officer_call_setup", args=[call.pk])).content.decode()
    assert "1 Dec 2026, 11:00 EET (Europe/Helsinki)" in page
    assert "1 Dec 2026, 10:00 CET (Europe/Brussels)" in page  # the call's own zone beside it


def test_offering_a_partition_with_limits_and_capacity(officer_client):
    call = CallFactory(mode=AccessMode.FAST_LANE)
    cutoff = CutOffFactory(call=call)
    partition = PartitionFactory(unit=Unit.GPU_HOURS)
    url = reverse("applications:officer_partition_add", args=[call.pk])
    response = officer_client.post(
        url,
        {
            "partition": partition.pk,
            "min_hours": "20000",
            "max_hours": "10000",
            "pool_hours_per_cutoff": "100000",
        },
    )
    assert response.context["partition_form"].errors["max_hours"] == [
        "The maximum must be at least the minimum."
    ]
    response = officer_client.post(
        url,
        {
            "partition": partition.pk,
            "min_hours": "",
            "max_hours": "",
            "pool_hours_per_cutoff": "100000",
        },
    )
    assert response.status_code == 302
    offered = call.offered_partitions.get()
    assert (offered.min_hours, offered.max_hours) == (Decimal(10_000), Decimal(50_000))
    assert cutoff.pools.get().pool.hours == 100_000
    # The capacity table changes one cut-off's pool.
    pools_url = reverse("applications:officer_pools", args=[call.pk])
    field = f"pool_{cutoff.pk}_{offered.pk}"
    assert officer_client.post(pools_url, {field: "-5"}).status_code == 200
    assert officer_client.post(pools_url, {field: "75000"}).status_code == 302
    assert cutoff.pools.get().pool.hours == 75_000
    # The table posts back what it shows without complaint.
    setup = officer_client.get(reverse("applications:officer_call_setup", args=[call.pk]))
    shown = setup.context["pools_form"][field].value()
    assert str(shown) == "75000"
    assert officer_client.post(pools_url, {field: str(shown)}).status_code == 302


def test_criteria_are_added_and_checked(officer_client):
    call = CallFactory()
    url = reverse("applications:officer_criterion_add", args=[call.pk])
    response = officer_client.post(
        url,
        {"name": "Ethics", "weight": "1", "scale_min": "0", "scale_max": "5", "threshold": "9"},
    )
    assert response.context["criterion_form"].errors["threshold"] == [
        "The threshold must lie on the scale (0-5)."
    ]
    response = officer_client.post(
        url,
        {"name": "Ethics", "weight": "0.5", "scale_min": "0", "scale_max": "5", "threshold": "3"},
    )
    assert response.status_code == 302
    assert call.criteria.get(name="Ethics").weight == Decimal("0.5")


def test_publish_and_unpublish_from_the_setup_page(officer_client):
    call = CallFactory(is_published=False)
    url = reverse("applications:officer_call_publication", args=[call.pk])
    response = officer_client.post(url, {"action": "publish"}, follow=True)
    assert "cannot be published yet" in response.content.decode()
    call.refresh_from_db()
    assert not call.is_published
    CutOffFactory(call=call)
    CallPartitionFactory(call=call)
    EvaluationCriterionFactory(call=call)
    officer_client.post(url, {"action": "publish"})
    call.refresh_from_db()
    assert call.is_published
    officer_client.post(url, {"action": "unpublish"})
    call.refresh_from_db()
    assert not call.is_published


def test_an_officer_changes_an_offered_partitions_limits(officer_client):
    offered = CallPartitionFactory(
        call=CallFactory(mode=AccessMode.FAST_LANE), min_hours=10_000, max_hours=50_000
    )
    url = reverse("applications:officer_partition_edit", args=[offered.pk])
    form = {
        "min_hours": "15000",
        "max_hours": "12000",
        "pool_hours_per_cutoff": "200000",
        "sustained_tflops_per_accelerator": "350",
    }
    response = officer_client.post(url, form)
    assert response.status_code == 200
    assert response.context["form"].errors["max_hours"] == [
        "The maximum must be at least the minimum."
    ]
    assert 'value="15000"' in response.content.decode()  # what was typed stays

    response = officer_client.post(url, {**form, "max_hours": "40000"})
    assert response.status_code == 302
    offered.refresh_from_db()
    assert (offered.min_hours, offered.max_hours) == (Decimal(15_000), Decimal(40_000))
    assert offered.pool_hours_per_cutoff == Decimal(200_000)
    assert offered.sustained_tflops_per_accelerator == Decimal(350)
    logged = Activity.objects.get(verb="offered_partition.update")
    assert (logged.object_id, logged.data["max"]) == (str(offered.call_id), "40000")


def test_an_officer_edits_and_deletes_a_criterion(officer_client):
    call = CallFactory(is_published=True)
    kept = EvaluationCriterionFactory(call=call, name="Excellence")
    edited = EvaluationCriterionFactory(call=call, name="Impact")
    url = reverse("applications:officer_criterion_edit", args=[edited.pk])
    form = {
        "name": "Innovation and impact",
        "description": "Market potential in Europe.",
        "weight": "2",
        "scale_min": "0",
        "scale_max": "5",
        "threshold": "3.5",
    }
    assert officer_client.post(url, {**form, "scale_max": "0"}).status_code == 200
    assert officer_client.post(url, form).status_code == 302
    edited.refresh_from_db()
    assert (edited.name, edited.weight, edited.threshold) == (
        "Innovation and impact",
        Decimal(2),
        Decimal("3.5"),
    )

    delete = "applications:officer_criterion_delete"
    assert officer_client.post(reverse(delete, args=[edited.pk])).status_code == 302
    assert list(call.criteria.values_list("name", flat=True)) == ["Excellence"]
    # A published call keeps at least one criterion.
    response = officer_client.post(reverse(delete, args=[kept.pk]), follow=True)
    assert "keeps at least one criterion" in response.content.decode()
    assert call.criteria.count() == 1


def test_the_right_of_reply_settings_are_set_on_the_call_form(officer_client):
    call = CallFactory(mode="large_scale")
    url = reverse("applications:officer_call_edit", args=[call.pk])
    data = _call_form(
        title=call.title,
        slug=call.slug,
        mode=call.mode,
        durations_months=["6", "12"],
        days_to_access="60",
        right_of_reply="on",
        reply_word_limit="800",
        reply_working_days="10",
        reply_shows_scores="on",
    )
    assert officer_client.post(url, data).status_code == 302
    call.refresh_from_db()
    assert (call.right_of_reply, call.reply_word_limit, call.reply_working_days) == (True, 800, 10)
    assert call.reply_shows_scores is True
    # Out of range: a field error, and the rest of what was typed is kept.
    data.update(reply_word_limit="10", summary="A changed summary")
    response = officer_client.post(url, data)
    assert response.status_code == 200
    assert response.context["form"].errors["reply_word_limit"] == [
        "Ensure this value is greater than or equal to 50."
    ]
    assert "A changed summary" in response.content.decode()
    call.refresh_from_db()
    assert call.reply_word_limit == 800
