import zoneinfo

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models

TIMEZONE_CHOICES = [(tz, tz) for tz in sorted(zoneinfo.available_timezones()) if "/" in tz]

# Role groups; centre roles are CentreMembership rows in allocations.
PROGRAMME_OFFICER_GROUP = "programme officer"
REVIEWER_GROUP = "reviewer"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person. Logs in with their email address; roles come from groups and memberships."""

    username = None
    email = models.EmailField("email address", unique=True)
    timezone = models.CharField(
        "time zone",
        max_length=64,
        choices=TIMEZONE_CHOICES,
        default="Europe/Brussels",
        help_text="Dates and deadlines are shown in this time zone.",
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.email
