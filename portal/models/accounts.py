import zoneinfo

import rules
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

    # A superuser is not a role. Django answers yes to every permission a superuser asks; the
    # portal's own permissions (the `rules` of each app: pages, services, the API) are answered by
    # roles and object rules alone. In the Django admin (portal.admin_site) the user asks model
    # permissions instead, through `has_model_perm`: the one place where the superuser flag counts.
    def has_perm(self, perm: str, obj=None) -> bool:
        if getattr(self, "asks_model_permissions", False):  # set by portal.admin_site only
            return self.has_model_perm(perm)
        if rules.perm_exists(perm):
            return self.is_active and rules.has_perm(perm, self, obj)
        return super().has_perm(perm, obj)

    def has_model_perm(self, perm: str) -> bool:
        """Django's model permission `perm` (the admin's question): superusers hold them all."""
        from django.contrib.auth.backends import ModelBackend

        if not self.is_active:
            return False
        return self.is_superuser or ModelBackend().has_perm(self, perm)
