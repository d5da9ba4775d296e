from datetime import date, timedelta
from decimal import Decimal

import factory
from django.contrib.auth.models import Group

from portal.models import Invitation, Membership, Organisation, User
from portal.models.accounts import PROGRAMME_OFFICER_GROUP, REVIEWER_GROUP

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        """Users are created with a verified primary email unless verified=False is passed."""
        if not create:
            return
        self.save()  # keeps the password set above
        if extracted is False:
            return
        from allauth.account.models import EmailAddress

        EmailAddress.objects.update_or_create(
            user=self, email=self.email, defaults={"verified": True, "primary": True}
        )


def give_totp(user, secret: str = "JBSWY3DPEHPK3PXP") -> None:
    """Staff roles must have TOTP before they reach staff pages; give the user an authenticator."""
    from allauth.mfa.models import Authenticator

    Authenticator.objects.get_or_create(
        user=user, type=Authenticator.Type.TOTP, defaults={"data": {"secret": secret}}
    )


class ProgrammeOfficerFactory(UserFactory):
    """A programme officer with TOTP enabled (staff must have it) unless mfa=False is passed."""

    @factory.post_generation
    def role_group(self, create, extracted, **kwargs):
        if create:
            group, _ = Group.objects.get_or_create(name=PROGRAMME_OFFICER_GROUP)
            self.groups.add(group)

    @factory.post_generation
    def mfa(self, create, extracted, **kwargs):
        if create and extracted is not False:
            give_totp(self)


class ReviewerFactory(UserFactory):
    """A reviewer with TOTP enabled (staff must have it) unless mfa=False is passed."""

    @factory.post_generation
    def role_group(self, create, extracted, **kwargs):
        if create:
            group, _ = Group.objects.get_or_create(name=REVIEWER_GROUP)
            self.groups.add(group)

    @factory.post_generation
    def mfa(self, create, extracted, **kwargs):
        if create and extracted is not False:
            give_totp(self)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    legal_name = factory.Sequence(lambda n: f"Neural Startup {n} GmbH")
    country = "DE"
    registration_number = factory.Sequence(lambda n: f"HRB {100000 + n}")
    vat_number = ""
    # Three years old, whatever today is: a startup now and in every later run.
    founded_on = factory.LazyFunction(lambda: date.today() - timedelta(days=3 * 365))
    website = "https://example.org"
    employees = 12
    annual_turnover_eur = Decimal("800000")
    balance_sheet_eur = Decimal("1200000")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    organisation = factory.SubFactory(OrganisationFactory)
    user = factory.SubFactory(UserFactory)
    role = Membership.Role.MEMBER


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    organisation = factory.SubFactory(OrganisationFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.org")
    invited_by = factory.SubFactory(UserFactory)
