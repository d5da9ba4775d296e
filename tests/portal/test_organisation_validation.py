"""Organisation facts: each bad value gets a clear error on its own field, the rest stays typed."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from portal.forms import OrganisationForm
from portal.models import Membership, Organisation
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

VALID = {
    "legal_name": "Tensorwerk GmbH",
    "country": "DE",
    "registration_number": "HRB 123456",
    "vat_number": "DE136695976",
    # Two years old whatever today is, so the derived status stays "startup".
    "founded_on": (date.today() - timedelta(days=2 * 365)).isoformat(),
    "website": "https://tensorwerk.example",
    "employees": "14",
    "annual_turnover_eur": "900000",
    "balance_sheet_eur": "1500000",
}


def _post(client, user, **changes):
    client.force_login(user)
    return client.post(reverse("portal:organisation_create"), {**VALID, **changes})


def _assert_kept(response, except_field: str):
    """Everything the user typed, apart from the faulty field, is back in the form."""
    form = response.context["form"]
    for field, value in VALID.items():
        if field == except_field:
            continue
        assert form[field].value() == value, field
        if field not in ("country",):
            assert value in response.content.decode(), field


def test_valid_facts_register_the_organisation_with_its_creator_as_owner(client):
    user = UserFactory()
    response = _post(client, user)
    organisation = Organisation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:organisation_detail", args=[organisation.pk])
    assert organisation.vat_number == "DE136695976"
    assert Membership.objects.get(organisation=organisation).user == user
    assert Membership.objects.get(organisation=organisation).role == Membership.Role.OWNER


def test_bad_vat_checksum_is_refused_on_the_vat_field(client):
    response = _post(client, UserFactory(), vat_number="DE136695977")
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["vat_number"]
    assert "not a valid VAT number for Germany" in errors["vat_number"][0]
    assert "check digit" in errors["vat_number"][0]
    _assert_kept(response, "vat_number")
    assert Organisation.objects.count() == 0


def test_vat_number_of_another_country_is_refused(client):
    response = _post(client, UserFactory(), vat_number="FR40303265045")
    errors = response.context["form"].errors
    assert list(errors) == ["vat_number"]
    assert "starts with FR (France)" in errors["vat_number"][0]
    assert "Germany" in errors["vat_number"][0]
    _assert_kept(response, "vat_number")


def test_vat_number_without_prefix_gets_the_country_prefix():
    form = OrganisationForm({**VALID, "vat_number": "136 695 976"})
    assert form.is_valid(), form.errors
    assert form.facts()["vat_number"] == "DE136695976"


@pytest.mark.parametrize(
    ("country", "vat", "stored"),
    [
        ("GR", "094259216", "EL094259216"),
        ("GB", "GB 980 7806 84", "GB980780684"),
        ("NO", "NO 995 525 828 MVA", "NO995525828MVA"),
        ("CH", "CHE-107.787.577 IVA", "CHE107787577IVA"),
    ],
)
def test_vat_numbers_outside_the_plain_eu_prefixes_are_checked(country, vat, stored):
    facts = {**VALID, "country": country, "vat_number": vat, "registration_number": "12345"}
    if country in ("NO", "CH"):  # their company numbers have a national check
        facts["registration_number"] = {"NO": "988 077 917", "CH": "CHE-100.155.212"}[country]
    form = OrganisationForm(facts)
    assert form.is_valid(), form.errors
    assert form.facts()["vat_number"] == stored


def test_vat_number_is_optional(client):
    response = _post(client, UserFactory(), vat_number="")
    assert response.status_code == 302
    assert Organisation.objects.get().vat_number == ""


def test_founding_date_in_the_future_is_refused(client):
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    response = _post(client, UserFactory(), founded_on=tomorrow)
    errors = response.context["form"].errors
    assert list(errors) == ["founded_on"]
    assert "in the future" in errors["founded_on"][0]
    _assert_kept(response, "founded_on")
    # The faulty value itself is shown back too, so the user can correct it.
    assert tomorrow in response.content.decode()


def test_unknown_country_is_a_clear_error(client):
    response = _post(client, UserFactory(), country="US")
    errors = response.context["form"].errors
    assert "country" in errors
    assert "“US” is not a participating country" in errors["country"][0]
    assert "EU member state or an associated country" in errors["country"][0]
    # Without a country the numbers cannot be checked against it, but nothing typed is lost.
    _assert_kept(response, "country")
    assert Organisation.objects.count() == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [("employees", "-1"), ("annual_turnover_eur", "-5"), ("balance_sheet_eur", "-0.01")],
)
def test_size_facts_cannot_be_negative(client, field, value):
    response = _post(client, UserFactory(), **{field: value})
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert "greater than or equal to 0" in errors[field][0]


def test_registration_number_with_no_digit_is_refused(client):
    response = _post(client, UserFactory(), registration_number="Handelsregister")
    errors = response.context["form"].errors
    assert list(errors) == ["registration_number"]
    assert "as it appears in the business register" in errors["registration_number"][0]


def test_national_company_number_is_checked_where_a_check_exists(client):
    facts = {"country": "FR", "vat_number": "FR40303265045"}
    response = _post(client, UserFactory(), registration_number="732 829 321", **facts)
    errors = response.context["form"].errors
    assert list(errors) == ["registration_number"]
    assert "registration number for France" in errors["registration_number"][0]
    assert "SIREN" in errors["registration_number"][0]

    response = _post(client, UserFactory(), registration_number="732829320", **facts)
    assert response.status_code == 302
    assert Organisation.objects.get(country="FR").registration_number == "732 829 320"


def test_same_company_number_in_the_same_country_is_refused(client):
    _post(client, UserFactory())
    response = _post(client, UserFactory(), registration_number="HRB  123456")
    assert response.status_code == 200
    assert "already registered in this country" in str(response.context["form"].errors)
    assert Organisation.objects.count() == 1


def test_edit_page_keeps_values_and_shows_errors_per_field(client):
    owner = MembershipFactory(role=Membership.Role.OWNER).user
    organisation = owner.memberships.get().organisation
    client.force_login(owner)
    url = reverse("portal:organisation_edit", args=[organisation.pk])
    response = client.post(url, {**VALID, "vat_number": "FR40303265045"})
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["vat_number"]
    assert "Tensorwerk GmbH" in response.content.decode()
    organisation.refresh_from_db()
    assert organisation.legal_name != "Tensorwerk GmbH"  # nothing saved


def test_derived_status_is_shown_on_the_organisation_page(client):
    owner = UserFactory()
    _post(client, owner)
    organisation = Organisation.objects.get()
    page = client.get(reverse("portal:organisation_detail", args=[organisation.pk]))
    assert organisation.kind == "startup"
    assert (
        '<span class="badge text-bg-info align-middle" data-testid="organisation-kind">Startup'
        in (page.content.decode())
    )
    client.post(
        reverse("portal:organisation_edit", args=[organisation.pk]),
        {**VALID, "employees": "400", "founded_on": "2001-01-01"},
    )
    page = client.get(reverse("portal:organisation_detail", args=[organisation.pk]))
    assert "Large enterprise" in page.content.decode()
