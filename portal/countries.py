"""Countries whose organisations may apply: the EU member states and the states associated with
Horizon Europe / Digital Europe that take part in EuroHPC calls.

One source of truth for the list.
"""

EU_MEMBER_STATES: dict[str, str] = {
    "AT": "Austria",
    "BE": "Belgium",
    "BG": "Bulgaria",
    "HR": "Croatia",
    "CY": "Cyprus",
    "CZ": "Czechia",
    "DK": "Denmark",
    "EE": "Estonia",
    "FI": "Finland",
    "FR": "France",
    "DE": "Germany",
    "GR": "Greece",
    "HU": "Hungary",
    "IE": "Ireland",
    "IT": "Italy",
    "LV": "Latvia",
    "LT": "Lithuania",
    "LU": "Luxembourg",
    "MT": "Malta",
    "NL": "Netherlands",
    "PL": "Poland",
    "PT": "Portugal",
    "RO": "Romania",
    "SK": "Slovakia",
    "SI": "Slovenia",
    "ES": "Spain",
    "SE": "Sweden",
}

ASSOCIATED_STATES: dict[str, str] = {
    "IS": "Iceland",
    "LI": "Liechtenstein",
    "NO": "Norway",
    "CH": "Switzerland",
    "GB": "United Kingdom",
    "TR": "Türkiye",
    "IL": "Israel",
    "ME": "Montenegro",
    "MK": "North Macedonia",
    "RS": "Serbia",
    "AL": "Albania",
    "BA": "Bosnia and Herzegovina",
    "MD": "Moldova",
    "UA": "Ukraine",
}

PARTICIPATING_COUNTRIES: dict[str, str] = {**EU_MEMBER_STATES, **ASSOCIATED_STATES}

COUNTRY_CHOICES: list[tuple[str, str]] = sorted(
    PARTICIPATING_COUNTRIES.items(), key=lambda item: item[1]
)


def country_name(code: str) -> str:
    return PARTICIPATING_COUNTRIES.get(code, code)
