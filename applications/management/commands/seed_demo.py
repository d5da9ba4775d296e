"""`manage.py seed_demo`: a realistic programme to look around in, with a login for each role.

Idempotent: what exists is left as it is (a changed demo password stays changed), what is missing
is created, so running it twice changes nothing and does not fail.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from allocations.catalogue import catalogue_seed
from allocations.models import Centre, CentreMembership, Partition
from allocations.units import Unit, convert
from applications.deadlines import local_to_utc
from applications.models import Call
from applications.modes import AccessMode
from applications.services import calls as call_services
from portal.models import Membership, Organisation, User
from portal.models.accounts import PROGRAMME_OFFICER_GROUP, REVIEWER_GROUP
from portal.roles import ensure_role_groups

DEMO_PASSWORD = "demo-portal-2026"
DEMO_URL = "http://127.0.0.1:8000"
ZONE = "Europe/Brussels"


@dataclass(frozen=True)
class DemoPerson:
    role: str
    email: str
    first_name: str
    last_name: str
    does: str


FOUNDER = DemoPerson(
    "applicant (organisation owner)",
    "founder@demo.example",
    "Ada",
    "Kowalska",
    "open a call, write and submit a proposal",
)
TEAMMATE = DemoPerson(
    "applicant (teammate)", "teammate@demo.example", "Jonas", "Berg", "edit the same draft"
)
REVIEWER = DemoPerson(
    "reviewer", "reviewer@demo.example", "Marta", "Rossi", "browse calls (review pages come later)"
)
ASSESSOR = DemoPerson(
    "technical assessor (BSC)",
    "assessor@demo.example",
    "Pau",
    "Serra",
    "see BSC's partitions and pools (assessments come later)",
)
OFFICER = DemoPerson(
    "programme officer",
    "officer@demo.example",
    "Claire",
    "Dubois",
    "set up calls and cut-offs, follow submissions",
)
CENTRE_ADMIN = DemoPerson(
    "centre administrator (CSC)",
    "centre.admin@demo.example",
    "Aino",
    "Virtanen",
    "manage LUMI's partitions and capacity",
)
ADMIN = DemoPerson(
    "site administrator", "admin@demo.example", "Site", "Admin", "the Django admin (/admin/)"
)
PEOPLE = (FOUNDER, TEAMMATE, REVIEWER, ASSESSOR, OFFICER, CENTRE_ADMIN, ADMIN)


@dataclass(frozen=True)
class DemoCall:
    slug: str
    title: str
    mode: str
    summary: str
    description: str
    months_open: int
    cutoff_days: tuple[int, ...]
    # (centre, system, partition name) -> pool per cut-off, in GPU-hours (core-hours for CPU)
    offers: dict[tuple[str, str, str], int]


CALLS = (
    DemoCall(
        slug="playground",
        title="AI Factories Playground",
        mode=AccessMode.PLAYGROUND,
        summary="A fixed package of 5,000 GPU-hours to try an AI Factory system.",
        description=(
            "For startups and SMEs taking their first steps on a European supercomputer: port "
            "your training code, test how it scales, and prepare a larger request.\n\n"
            "Requests are handled first come, first served after an eligibility and technical "
            "check. Access within two days of accepting the award."
        ),
        months_open=12,
        cutoff_days=(1, 15),
        offers={
            ("BSC", "MareNostrum 5", "ACC"): 100_000,
            ("CSC", "LUMI", "LUMI-G"): 100_000,
            ("CINECA", "Leonardo", "Booster"): 100_000,
        },
    ),
    DemoCall(
        slug="fast-lane",
        title="AI Factories Fast Lane",
        mode=AccessMode.FAST_LANE,
        summary="10,000 to 50,000 GPU-hours for fine-tuning and mid-size training runs.",
        description=(
            "Mid-size access for a defined piece of AI work: fine-tuning a foundation model, "
            "training a domain model, or large evaluations.\n\n"
            "Two cut-offs a month. Proposals are checked for eligibility and technical "
            "feasibility and decided first come, first served within each cut-off's capacity."
        ),
        months_open=12,
        cutoff_days=(1, 15),
        offers={
            ("BSC", "MareNostrum 5", "ACC"): 400_000,
            ("CSC", "LUMI", "LUMI-G"): 400_000,
            ("CINECA", "Leonardo", "Booster"): 400_000,
            ("JSC", "JUPITER", "Booster"): 400_000,
            ("LuxProvide", "MeluXina", "GPU"): 80_000,
            ("IT4I", "Karolina", "GPU"): 80_000,
        },
    ),
    DemoCall(
        slug="large-scale",
        title="AI Factories Large Scale",
        mode=AccessMode.LARGE_SCALE,
        summary="More than 50,000 GPU-hours over 3 to 12 months, peer reviewed.",
        description=(
            "Large allocations for training or adapting foundation models.\n\n"
            "Proposals are assessed by the hosting centres, scored by independent experts "
            "against the criteria below and ranked by a panel; hours are awarded in rank order "
            "within the capacity of each cut-off. Applicants may answer the reviews before "
            "the panel meets."
        ),
        months_open=12,
        cutoff_days=(1,),
        offers={
            ("BSC", "MareNostrum 5", "ACC"): 2_000_000,
            ("CSC", "LUMI", "LUMI-G"): 2_000_000,
            ("CINECA", "Leonardo", "Booster"): 2_000_000,
            ("JSC", "JUPITER", "Booster"): 3_000_000,
            ("BSC", "MareNostrum 5", "GPP"): 20_000_000,
        },
    ),
)


class Command(BaseCommand):
    help = "Seed a demo programme (catalogue, people for each role, open calls). Idempotent."

    def handle(self, *args, **options):
        with transaction.atomic():
            catalogue_seed()
            ensure_role_groups()
            people = {person.email: self._person(person) for person in PEOPLE}
            self._roles(people)
            self._organisation(people)
            officer = people[OFFICER.email]
            created = [self._call(spec, officer) for spec in CALLS]
        self._print_logins(created)

    # --- People ---------------------------------------------------------------------------------

    def _person(self, person: DemoPerson) -> User:
        user = User.objects.filter(email=person.email).first()
        if user is None:
            is_admin = person is ADMIN
            user = User.objects.create_user(
                email=person.email,
                password=DEMO_PASSWORD,
                first_name=person.first_name,
                last_name=person.last_name,
                is_staff=is_admin,
                is_superuser=is_admin,
            )
        # Verified, so the demo logins work under mandatory email verification.
        EmailAddress.objects.get_or_create(
            user=user, email=person.email, defaults={"verified": True, "primary": True}
        )
        return user

    def _roles(self, people: dict[str, User]) -> None:
        people[OFFICER.email].groups.add(Group.objects.get(name=PROGRAMME_OFFICER_GROUP))
        people[REVIEWER.email].groups.add(Group.objects.get(name=REVIEWER_GROUP))
        CentreMembership.objects.get_or_create(
            centre=Centre.objects.get(short_name="BSC"),
            user=people[ASSESSOR.email],
            role=CentreMembership.Role.TECHNICAL_ASSESSOR,
        )
        CentreMembership.objects.get_or_create(
            centre=Centre.objects.get(short_name="CSC"),
            user=people[CENTRE_ADMIN.email],
            role=CentreMembership.Role.CENTRE_ADMINISTRATOR,
        )

    def _organisation(self, people: dict[str, User]) -> Organisation:
        organisation, _ = Organisation.objects.get_or_create(
            country="DE",
            registration_number="HRB 245871",
            defaults={
                "legal_name": "Lumen Language Labs GmbH",
                "vat_number": "DE298765431",
                "founded_on": date(2023, 4, 17),
                "website": "https://lumen-labs.example",
                "employees": 14,
                "annual_turnover_eur": Decimal("1200000"),
                "balance_sheet_eur": Decimal("2100000"),
            },
        )
        Membership.objects.get_or_create(
            organisation=organisation,
            user=people[FOUNDER.email],
            defaults={"role": Membership.Role.OWNER},
        )
        Membership.objects.get_or_create(
            organisation=organisation,
            user=people[TEAMMATE.email],
            defaults={"role": Membership.Role.MEMBER},
        )
        return organisation

    # --- Calls ----------------------------------------------------------------------------------

    def _call(self, spec: DemoCall, officer: User) -> Call:
        existing = Call.objects.filter(slug=spec.slug).first()
        if existing is not None:
            return existing
        today = timezone.localdate(timezone.now(), timezone=_zone())
        opens_at = local_to_utc(today.replace(day=1), time(0, 0), ZONE)
        closes_at = local_to_utc(_add_months(today.replace(day=1), spec.months_open), time(0), ZONE)
        call = call_services.call_create(
            by=officer,
            title=spec.title,
            slug=spec.slug,
            mode=spec.mode,
            summary=spec.summary,
            description=spec.description,
            opens_at=opens_at,
            closes_at=closes_at,
            display_timezone=ZONE,
            right_of_reply=spec.mode == AccessMode.LARGE_SCALE,
        )
        for (centre, system, name), pool_hours in spec.offers.items():
            partition = Partition.objects.get(
                centre__short_name=centre, system_name=system, name=name
            )
            call_services.offered_partition_add(
                call=call,
                partition=partition,
                by=officer,
                pool_hours_per_cutoff=_in_unit(partition, pool_hours),
            )
        call_services.cutoff_schedule_generate(
            call=call,
            by=officer,
            days_of_month=spec.cutoff_days,
            clock=time(10, 0),
            tz=ZONE,
            starts_on=today + timedelta(days=1),  # only cut-offs still ahead
        )
        return call_services.call_publish(call=call, by=officer)

    # --- Output ---------------------------------------------------------------------------------

    def _print_logins(self, calls: list[Call]) -> None:
        out = self.stdout
        out.write("")
        out.write(f"Demo programme ready. Open {DEMO_URL} and log in as:")
        out.write("")
        width = max(len(p.role) for p in PEOPLE)
        email_width = max(len(p.email) for p in PEOPLE)
        out.write(f"  {'role':<{width}}  {'email':<{email_width}}  {'password':<18}  try")
        out.write(f"  {'-' * width}  {'-' * email_width}  {'-' * 18}  {'-' * 30}")
        for p in PEOPLE:
            out.write(
                f"  {p.role:<{width}}  {p.email:<{email_width}}  {DEMO_PASSWORD:<18}  {p.does}"
            )
        out.write("")
        for call in calls:
            out.write(f"  {call.get_mode_display():<12} {DEMO_URL}{call.get_absolute_url()}")
        if settings.PORTAL_STAFF_MFA_REQUIRED:
            out.write("")
            out.write(
                "  Staff roles must set up two-factor authentication before reaching staff pages; "
                "run with PORTAL_STAFF_MFA_REQUIRED=0 to skip that in the demo."
            )


def _zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(ZONE)


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    return day.replace(year=day.year + month // 12, month=month % 12 + 1)


def _in_unit(partition: Partition, hours: int) -> Decimal:
    """Pool sizes above are GPU-hours (core-hours on CPU partitions): convert to the unit."""
    source = Unit.GPU_HOURS if partition.is_gpu else Unit.CORE_HOURS
    return convert(partition, hours, source, partition.unit).to_integral_value()
