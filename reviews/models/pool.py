"""The reviewer pool: who reviews for a call. A reviewer keeps one profile (expertise, affiliation,
email domains, past employers, ORCID, the most proposals they take per cut-off); officers invite
people to a call's pool by email; an invitee joins on signup or login (or through the mail's link)
and accepts the call's confidentiality terms once before seeing anything of its proposals."""

from __future__ import annotations

import uuid
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from portal.validators import JSONLimitsValidator

DEFAULT_MAX_LOAD = 8
MAX_LIST_ITEMS = 30
LIST_LIMITS = JSONLimitsValidator(max_bytes=4_000, max_depth=1)


def orcid_checksum_ok(orcid: str) -> bool:
    """ISO 7064 MOD 11-2 over the 15 first digits, as ORCID specifies (last character 0-9 or X)."""
    digits = orcid.replace("-", "")
    if len(digits) != 16 or not digits[:15].isdigit():
        return False
    total = 0
    for ch in digits[:15]:
        total = (total + int(ch)) * 2
    result = (12 - total % 11) % 11
    return digits[15].upper() == ("X" if result == 10 else str(result))


def validate_orcid(value: str) -> None:
    import re

    if not re.fullmatch(r"\d{4}-\d{4}-\d{4}-\d{3}[\dX]", value or ""):
        raise ValidationError(
            "Enter the ORCID iD as four groups of four digits, e.g. 0000-0002-1825-0097.",
            code="orcid_format",
        )
    if not orcid_checksum_ok(value):
        raise ValidationError(
            "This ORCID iD's check digit is wrong (probably a typing error); copy it from your "
            "ORCID record.",
            code="orcid_checksum",
        )


def validate_string_list(value) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError("Give a list of words or phrases.", code="not_a_list")
    if len(value) > MAX_LIST_ITEMS:
        raise ValidationError(
            "At most %(max)d entries are allowed.", code="too_many", params={"max": MAX_LIST_ITEMS}
        )
    if any(len(v) > 100 for v in value):
        raise ValidationError("Each entry may have at most 100 characters.", code="too_long")


class ReviewerProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviewer_profile"
    )
    expertise_keywords = models.JSONField(
        default=list, blank=True, validators=[validate_string_list, LIST_LIMITS]
    )
    expertise_fields = models.JSONField(
        default=list, blank=True, validators=[validate_string_list, LIST_LIMITS]
    )
    affiliation = models.CharField(max_length=200, blank=True)
    # Domains the reviewer writes from or works for (beyond their login address), for detection.
    email_domains = models.JSONField(
        default=list, blank=True, validators=[validate_string_list, LIST_LIMITS]
    )
    orcid = models.CharField("ORCID iD", max_length=19, blank=True, validators=[validate_orcid])
    max_load = models.PositiveSmallIntegerField(
        "maximum proposals per cut-off",
        default=DEFAULT_MAX_LOAD,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Reviewer profile of {self.user}"


def _year_validators():
    return [MinValueValidator(1950), MaxValueValidator(2100)]


class PastEmployer(models.Model):
    profile = models.ForeignKey(
        ReviewerProfile, on_delete=models.CASCADE, related_name="past_employers"
    )
    name = models.CharField(max_length=200)
    registration_number = models.CharField(max_length=40, blank=True)
    vat_number = models.CharField("VAT number", max_length=20, blank=True)
    from_year = models.PositiveSmallIntegerField(validators=_year_validators())
    to_year = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=_year_validators(), help_text="Empty: still there."
    )

    class Meta:
        ordering = ["-from_year", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.years})"

    def clean(self) -> None:
        if self.to_year is not None and self.from_year and self.to_year < self.from_year:
            raise ValidationError({"to_year": "The last year cannot come before the first."})
        if self.from_year and self.from_year > date.today().year:
            raise ValidationError({"from_year": "The first year cannot be in the future."})

    @property
    def years(self) -> str:
        return f"{self.from_year}–{self.to_year if self.to_year else 'now'}"


class PoolInvitation(models.Model):
    class Status(models.TextChoices):
        INVITED = "invited", "Invited"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        REMOVED = "removed", "Removed"

    call = models.ForeignKey(
        "applications.Call", on_delete=models.CASCADE, related_name="reviewer_invitations"
    )
    email = models.EmailField()
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.INVITED)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reviewer_invitations",
        help_text="Who answered.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["call", "email"]
        constraints = [
            models.UniqueConstraint(fields=["call", "email"], name="unique_pool_invitation")
        ]

    def __str__(self) -> str:
        return f"{self.email} to review for {self.call}"


class PoolMembership(models.Model):
    """A reviewer of one call. The terms are accepted once for the call, with the time."""

    call = models.ForeignKey(
        "applications.Call", on_delete=models.CASCADE, related_name="reviewer_pool"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviewer_pools"
    )
    invitation = models.OneToOneField(
        PoolInvitation, null=True, blank=True, on_delete=models.SET_NULL, related_name="membership"
    )
    joined_at = models.DateTimeField(auto_now_add=True)
    terms_accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["call", "user"]
        constraints = [
            models.UniqueConstraint(fields=["call", "user"], name="unique_pool_membership")
        ]

    def __str__(self) -> str:
        return f"{self.user} reviews for {self.call}"
