"""The derived SME/startup status, at the edges of the EU SME definition and the startup age."""

from datetime import date
from decimal import Decimal

import pytest

from portal.models import Organisation
from portal.models.organisations import OrganisationKind

MILLION = Decimal("1000000")


def _organisation(**facts) -> Organisation:
    defaults = {
        "employees": 12,
        "annual_turnover_eur": 2 * MILLION,
        "balance_sheet_eur": 3 * MILLION,
        "founded_on": date(2020, 6, 15),
    }
    return Organisation(**{**defaults, **facts})


@pytest.mark.parametrize(
    ("employees", "turnover", "balance_sheet", "is_sme"),
    [
        (249, 50 * MILLION, 43 * MILLION, True),  # every figure at its ceiling
        (250, 1 * MILLION, 1 * MILLION, False),  # 250 staff is no longer "fewer than 250"
        (10, 50 * MILLION + 1, 43 * MILLION, True),  # turnover over, balance sheet within: SME
        (10, 50 * MILLION, 43 * MILLION + 1, True),  # balance sheet over, turnover within: SME
        (10, 50 * MILLION + 1, 43 * MILLION + 1, False),  # both financial ceilings exceeded
    ],
)
def test_sme_follows_the_eu_definition_at_its_edges(employees, turnover, balance_sheet, is_sme):
    organisation = _organisation(
        employees=employees, annual_turnover_eur=turnover, balance_sheet_eur=balance_sheet
    )
    assert organisation.is_sme is is_sme


@pytest.mark.parametrize(
    ("on", "years", "kind"),
    [
        (date(2025, 6, 14), 4, OrganisationKind.STARTUP),  # the day before the 5th anniversary
        (date(2025, 6, 15), 5, OrganisationKind.SME),  # five full years: no longer a startup
        (date(2021, 6, 15), 1, OrganisationKind.STARTUP),
    ],
)
def test_startup_is_an_sme_younger_than_five_years(on, years, kind, time_machine):
    organisation = _organisation()
    time_machine.move_to(on)
    assert organisation.age_years() == years
    assert organisation.kind == kind


def test_a_young_company_over_the_sme_ceilings_is_a_large_enterprise(time_machine):
    time_machine.move_to(date(2021, 1, 1))
    organisation = _organisation(employees=400)
    assert organisation.kind == OrganisationKind.LARGE
    assert organisation.get_kind_display() == "Large enterprise"


def test_age_counts_a_leap_day_founding_correctly():
    organisation = _organisation(founded_on=date(2020, 2, 29))
    assert organisation.age_years(on=date(2021, 2, 28)) == 0
    assert organisation.age_years(on=date(2021, 3, 1)) == 1
