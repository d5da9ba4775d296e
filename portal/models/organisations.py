import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.functions import Coalesce
from django.utils import timezone

from portal.countries import COUNTRY_CHOICES, PARTICIPATING_COUNTRIES
from portal.validators import (
    normalise_registration_number,
    normalise_vat_number,
    validate_not_in_future,
    validate_participating_country,
)

# EU SME definition (Commission Recommendation 2003/361/EC): fewer than 250 staff and either an
# annual turnover of at most EUR 50 million or a balance sheet total of at most EUR 43 million.
SME_MAX_EMPLOYEES = 250
SME_MAX_TURNOVER_EUR = Decimal("50000000")
SME_MAX_BALANCE_SHEET_EUR = Decimal("43000000")
# A startup, for these calls, is an SME founded at most this many years ago.
STARTUP_MAX_AGE_YEARS = 5


class OrganisationKind(models.TextChoices):
    STARTUP = "startup", "Startup"
    SME = "sme", "SME"
    LARGE = "large", "Large enterprise"


class Organisation(models.Model):
    """A company that applies for hours. Its SME/startup status is derived from its facts."""

    legal_name = models.CharField(max_length=200)
    country = models.CharField(
        max_length=2,
        choices=COUNTRY_CHOICES,
        validators=[validate_participating_country],
        error_messages={
            "invalid_choice": "%(value)s is not a participating country. Choose an EU member "
            "state or an associated country from the list."
        },
    )
    registration_number = models.CharField(
        max_length=40, help_text="Company registration number in the national business register."
    )
    vat_number = models.CharField(
        "VAT number",
        max_length=20,
        blank=True,
        help_text="With the country prefix, e.g. DE123456789. Leave empty if not VAT-registered.",
    )
    founded_on = models.DateField("founding date", validators=[validate_not_in_future])
    website = models.URLField(blank=True)
    employees = models.PositiveIntegerField(help_text="Staff headcount (full-time equivalents).")
    annual_turnover_eur = models.DecimalField(
        "annual turnover (EUR)",
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    balance_sheet_eur = models.DecimalField(
        "balance sheet total (EUR)",
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="organisations"
    )

    class Meta:
        ordering = ["legal_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "registration_number"],
                name="unique_registration_per_country",
                violation_error_message="An organisation with this registration number is "
                "already registered in this country. Ask one of its owners to invite you.",
            ),
            models.CheckConstraint(
                condition=models.Q(annual_turnover_eur__gte=0), name="turnover_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(balance_sheet_eur__gte=0), name="balance_sheet_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.legal_name

    def clean(self) -> None:
        # The numbers are checked against the country, and stored in their canonical form so the
        # same company is recognised however it was typed.
        if self.country not in PARTICIPATING_COUNTRIES:
            return
        errors: dict[str, list[ValidationError]] = {}
        for field, normalise in (
            ("vat_number", normalise_vat_number),
            ("registration_number", normalise_registration_number),
        ):
            value = getattr(self, field)
            if not value:
                continue  # required-ness is the field's own check
            try:
                setattr(self, field, normalise(value, self.country))
            except ValidationError as exc:
                errors[field] = exc.error_list
        if errors:
            raise ValidationError(errors)

    @property
    def is_sme(self) -> bool:
        return self.employees < SME_MAX_EMPLOYEES and (
            self.annual_turnover_eur <= SME_MAX_TURNOVER_EUR
            or self.balance_sheet_eur <= SME_MAX_BALANCE_SHEET_EUR
        )

    def age_years(self, on: date | None = None) -> int:
        on = on or date.today()
        years = on.year - self.founded_on.year
        if (on.month, on.day) < (self.founded_on.month, self.founded_on.day):
            years -= 1
        return years

    @property
    def kind(self) -> str:
        if not self.is_sme:
            return OrganisationKind.LARGE
        if self.age_years() < STARTUP_MAX_AGE_YEARS:
            return OrganisationKind.STARTUP
        return OrganisationKind.SME

    def get_kind_display(self) -> str:
        return OrganisationKind(self.kind).label


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        MEMBER = "member", "Member"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation", "-role", "user"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "user"], name="unique_membership")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.organisation} ({self.role})"


def invitation_valid_for() -> timedelta:
    return timedelta(days=settings.PORTAL_INVITATION_VALID_DAYS)


class InvitationQuerySet(models.QuerySet):
    def unexpired(self) -> "InvitationQuerySet":
        """Invitations still inside their validity window (counted from the last sending)."""
        return self.alias(_sent_at=Coalesce("renewed_at", "created_at")).filter(
            _sent_at__gt=timezone.now() - invitation_valid_for()
        )

    def open(self) -> "InvitationQuerySet":
        """Pending and not expired: the ones that can still be accepted."""
        return self.filter(status=Invitation.Status.PENDING).unexpired()


class Invitation(models.Model):
    """An owner invites someone by email; they join when they sign up or log in with that email.

    An invitation is valid for PORTAL_INVITATION_VALID_DAYS after it was last sent. Expiry is
    worked out when read (no job flips a status): an expired invitation stays "pending" in the
    database until the owner re-sends or revokes it."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        REVOKED = "revoked", "Revoked"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when an owner re-sends the invitation: its validity restarts from then.
    renewed_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "email"],
                condition=models.Q(status="pending"),
                name="one_pending_invitation_per_email",
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} to {self.organisation} ({self.status})"

    @property
    def sent_at(self) -> datetime:
        return self.renewed_at or self.created_at

    @property
    def expires_at(self) -> datetime:
        return self.sent_at + invitation_valid_for()

    @property
    def is_expired(self) -> bool:
        """A pending invitation past its validity. Accepted or revoked ones never count as
        expired: their status already says what happened."""
        return self.status == self.Status.PENDING and timezone.now() >= self.expires_at
