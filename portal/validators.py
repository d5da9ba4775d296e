"""Checks on what people enter: the facts an organisation gives about itself (country, VAT and
registration numbers, founding date), the size and content of free text and JSON values, and the
names files are downloaded under. Each check raises a ValidationError whose message says what is
wrong and how to fix it; the number checks return the number in its canonical (compact) form."""

from __future__ import annotations

import json
import re
from datetime import date
from importlib import import_module

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength
from stdnum.exceptions import ValidationError as StdnumError

from portal.countries import EU_MEMBER_STATES, PARTICIPATING_COUNTRIES, country_name

# --- Country ---------------------------------------------------------------------------------


def validate_participating_country(code: str) -> None:
    if code not in PARTICIPATING_COUNTRIES:
        raise ValidationError(
            "“%(code)s” is not a participating country. Organisations must be established in an "
            "EU member state or an associated country; choose one from the list.",
            code="unknown_country",
            params={"code": code},
        )


# --- Founding date ---------------------------------------------------------------------------


def validate_not_in_future(value: date) -> None:
    today = timezone.localdate()
    if value > today:
        raise ValidationError(
            "The founding date %(value)s is in the future; enter the date the company was "
            "registered (today, %(today)s, at the latest).",
            code="future_date",
            params={"value": value.isoformat(), "today": today.isoformat()},
        )


# --- VAT number ------------------------------------------------------------------------------

# The prefix a VAT number carries for each country, where it differs from the ISO code.
VAT_PREFIXES: dict[str, tuple[str, ...]] = {"GR": ("EL", "GR"), "CH": ("CHE", "CH")}
# Non-EU countries whose VAT number python-stdnum knows how to check.
NATIONAL_VAT_MODULES: dict[str, str] = {"GB": "gb.vat", "NO": "no.mva", "CH": "ch.vat"}
GENERIC_VAT = re.compile(r"^[A-Z0-9]{5,18}$")
_PREFIX = re.compile(r"^([A-Z]{2,3})")


def _stdnum_message(exc: StdnumError) -> str:
    if isinstance(exc, InvalidChecksum):
        return "its check digit is wrong (probably a typing error)"
    if isinstance(exc, InvalidLength):
        return "it has the wrong number of characters"
    if isinstance(exc, InvalidFormat | InvalidComponent):
        return "it does not have the format used in that country"
    return "it is not a valid number"


def _foreign_prefix(number: str, country: str) -> str | None:
    """The country a number's prefix names when that is a different country, else None."""
    match = _PREFIX.match(number)
    if not match:
        return None
    prefix = match.group(1)
    own = VAT_PREFIXES.get(country, (country,))
    if any(number.startswith(p) for p in own):
        return None
    for code in PARTICIPATING_COUNTRIES:
        if any(prefix.startswith(p) for p in VAT_PREFIXES.get(code, (code,))):
            return code
    return None


def normalise_vat_number(value: str, country: str) -> str:
    """Check a VAT number against the organisation's country; return it compact, with prefix."""
    number = re.sub(r"[\s.\-/]", "", value or "").upper()
    if not number:
        return ""
    other = _foreign_prefix(number, country)
    if other is not None:
        raise ValidationError(
            "This VAT number starts with %(prefix)s (%(other)s), but the organisation is in "
            "%(country)s. Enter the VAT number issued in %(country)s, or correct the country.",
            code="vat_country_mismatch",
            params={
                "prefix": VAT_PREFIXES.get(other, (other,))[0],
                "other": country_name(other),
                "country": country_name(country),
            },
        )
    own = VAT_PREFIXES.get(country, (country,))
    if country in EU_MEMBER_STATES:
        if not number.startswith(own):
            number = own[0] + number
        if number.startswith("GR"):
            number = "EL" + number[2:]
        module = import_module("stdnum.eu.vat")
    elif country in NATIONAL_VAT_MODULES:
        module = import_module(f"stdnum.{NATIONAL_VAT_MODULES[country]}")
    else:
        if not GENERIC_VAT.match(number):
            raise ValidationError(
                "Enter the VAT number as 5 to 18 letters and digits.", code="vat_format"
            )
        return number
    try:
        compact = module.validate(number)
    except StdnumError as exc:
        raise ValidationError(
            "This is not a valid VAT number for %(country)s: %(reason)s. Expected form: "
            "%(example)s.",
            code="vat_invalid",
            params={
                "country": country_name(country),
                "reason": _stdnum_message(exc),
                "example": VAT_EXAMPLES.get(country, f"{own[0]} followed by the national number"),
            },
        ) from exc
    if not compact.startswith(own):
        compact = own[0] + compact
    return compact


VAT_EXAMPLES: dict[str, str] = {
    "AT": "ATU13585627",
    "BE": "BE0403019261",
    "DE": "DE136695976",
    "ES": "ESA13585625",
    "FR": "FR40303265045",
    "GR": "EL094259216",
    "IT": "IT00743110157",
    "NL": "NL004495445B01",
    "GB": "GB980780684",
    "NO": "NO995525828MVA",
    "CH": "CHE107787577IVA",
}


# --- Registration number ---------------------------------------------------------------------

# A national business-register number: letters, digits and the usual separators, with a digit.
GENERIC_REGISTRATION = re.compile(r"^(?=.*\d)[A-Za-z0-9][A-Za-z0-9 ./\-]{1,38}[A-Za-z0-9]$")

# Countries whose company number python-stdnum checks, with the register it belongs to.
NATIONAL_REGISTRATION_MODULES: dict[str, tuple[str, str]] = {
    "AT": ("at.businessid", "Firmenbuchnummer, e.g. FN 122119m"),
    "BE": ("be.vat", "enterprise number (KBO/BCE), e.g. 0403.019.261"),
    "DK": ("dk.cvr", "CVR number, e.g. 13585628"),
    "EE": ("ee.registrikood", "registry code, e.g. 10000356"),
    "FI": ("fi.ytunnus", "Business ID (Y-tunnus), e.g. 2077474-0"),
    "FR": ("fr.siren", "SIREN number, e.g. 732 829 320"),
    "HR": ("hr.oib", "OIB, e.g. 33392005961"),
    "NO": ("no.orgnr", "organisation number, e.g. 988 077 917"),
    "RO": ("ro.onrc", "trade register number, e.g. J52/750/2012"),
    "SE": ("se.orgnr", "organisation number, e.g. 556036-0793"),
    "SI": ("si.maticna", "registration number (matična številka), e.g. 9331310000"),
    "CH": ("ch.uid", "UID, e.g. CHE-100.155.212"),
}


def normalise_registration_number(value: str, country: str) -> str:
    """Check a company registration number; national checks where python-stdnum has one."""
    number = " ".join((value or "").split())
    if not GENERIC_REGISTRATION.match(number):
        raise ValidationError(
            "Enter the number as it appears in the business register: 3 to 40 letters, digits, "
            "spaces, dots, slashes or hyphens, with at least one digit.",
            code="registration_format",
        )
    national = NATIONAL_REGISTRATION_MODULES.get(country)
    if national is None:
        return number
    module_name, described = national
    module = import_module(f"stdnum.{module_name}")
    try:
        module.validate(number)
    except StdnumError as exc:
        raise ValidationError(
            "This is not a valid registration number for %(country)s: %(reason)s. Expected: "
            "%(described)s.",
            code="registration_invalid",
            params={
                "country": country_name(country),
                "described": described,
                "reason": _stdnum_message(exc),
            },
        ) from exc
    formatter = getattr(module, "format", None)
    return formatter(number) if formatter else module.compact(number)


# --- Size and content of free text and JSON -------------------------------------------------
#
# Every text a person types and every JSON value a client sends is bounded, so that a 1 MB
# "reason" or a 5 MB JSON blob is refused with a message instead of stored. PostgreSQL cannot
# store the NUL character in text or jsonb; it is refused here, by field, instead of failing as
# a database error.

# Limits in characters, by kind of text. A form field, an API field and the model agree because
# they all read the model field's max_length.
LONG_TEXT_MAX_CHARS = 20_000  # a narrative section of a proposal, a call's description
MEDIUM_TEXT_MAX_CHARS = 10_000  # a request's justification
SHORT_TEXT_MAX_CHARS = 5_000  # a reason, a criterion's description
MAIL_TEXT_MAX_CHARS = 50_000  # an email's text (a decision with every assessment's comments)

NUL = "\x00"
NUL_MESSAGE = "Remove the NUL character (\\u0000); it cannot be stored."


def text_validators(max_chars: int) -> list:
    """Validators of a TextField with this limit (pass max_length=max_chars as well, which forms
    and API fields read). Django enforces a TextField's max_length only in forms; the validator
    makes the model, and the services that clean values through it, hold the same limit. The NUL
    character is refused by every form and API text field already (Django's and DRF's
    CharField); JSON values need JSONLimitsValidator for it."""
    return [MaxLengthValidator(max_chars)]


def model_field_errors(model, values: dict) -> dict[str, list[str]]:
    """Run each value through the validators of the model field of the same name (size limits,
    JSON limits); the messages of those that fail, by field, for a service's ValidationError."""
    errors: dict[str, list[str]] = {}
    for name, value in values.items():
        try:
            model._meta.get_field(name).run_validators(value)
        except ValidationError as exc:
            errors[name] = list(exc.messages)
    return errors


def _nesting_and_nul(value, max_depth: int) -> tuple[int, bool]:
    """The nesting depth of a JSON value (a scalar is 0, {"a": 1} is 1) up to max_depth + 1,
    and whether any key or string in it holds a NUL. Iterative: a hostile value cannot exhaust
    the stack."""
    depth, has_nul = 0, False
    stack = [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, str):
            has_nul = has_nul or NUL in item
            continue
        if isinstance(item, dict):
            children = [*item.keys(), *item.values()]
        elif isinstance(item, list | tuple):
            children = list(item)
        else:
            continue
        level += 1
        depth = max(depth, level)
        if depth > max_depth:
            return depth, has_nul
        stack.extend((child, level) for child in children)
    return depth, has_nul


@deconstructible
class JSONLimitsValidator:
    """A JSON value of at most `max_bytes` (as compact UTF-8 JSON), nested at most `max_depth`
    levels, with no NUL character in any key or string."""

    def __init__(self, *, max_bytes: int, max_depth: int):
        self.max_bytes = max_bytes
        self.max_depth = max_depth

    def __call__(self, value) -> None:
        depth, has_nul = _nesting_and_nul(value, self.max_depth)
        if depth > self.max_depth:
            raise ValidationError(
                "This value is nested more than %(max_depth)d %(levels)s deep; "
                "send a flatter value.",
                code="json_too_deep",
                params={
                    "max_depth": self.max_depth,
                    "levels": "level" if self.max_depth == 1 else "levels",
                },
            )
        if has_nul:
            raise ValidationError(NUL_MESSAGE, code="null_characters_not_allowed")
        size = len(
            json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str).encode()
        )
        if size > self.max_bytes:
            raise ValidationError(
                "This value is %(size)s bytes long as JSON; at most %(max_bytes)s are allowed.",
                code="json_too_large",
                params={"size": f"{size:,}", "max_bytes": f"{self.max_bytes:,}"},
            )

    def __eq__(self, other) -> bool:
        return (
            isinstance(other, JSONLimitsValidator)
            and self.max_bytes == other.max_bytes
            and self.max_depth == other.max_depth
        )

    def __hash__(self) -> int:
        return hash((self.max_bytes, self.max_depth))


# --- File names --------------------------------------------------------------------------------

# Bidirectional controls (embeddings, overrides, isolates and marks) reorder the text around
# them: "invoice\u202efdp.exe" shows as "invoiceexe.pdf". File names never need them.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
# Characters that are unsafe or meaningless in a download name: C0/C1 controls and separators.
_UNSAFE_IN_FILENAME = re.compile(r'[\x00-\x1f\x7f-\x9f/\\"]')


def strip_bidi_controls(text: str) -> str:
    return BIDI_CONTROLS.sub("", text)


def safe_pdf_filename(name: str, *, fallback: str = "document") -> str:
    """A download name for a PDF: no directory part, no control or bidirectional characters,
    at most 255 characters, and always ending in `.pdf` (whatever name it was uploaded under)."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = _UNSAFE_IN_FILENAME.sub("", strip_bidi_controls(base))
    base = " ".join(base.split())
    stem = base[:-4] if base.lower().endswith(".pdf") else base
    stem = stem.strip(" .") or fallback
    return f"{stem[:251]}.pdf"
