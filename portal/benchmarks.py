"""Benchmark data and figures of the portal core (see portal.benchmarking)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.urls import reverse

from portal.benchmarking import BenchContext, bench_dataset, bench_figure
from portal.models import Activity, Invitation, Membership, Notification, Organisation, User

BATCH = 1000
MEMBERS_OF_THE_MEASURED_ORGANISATION = 50
INVITATIONS_OF_THE_MEASURED_ORGANISATION = 20
NOTIFICATIONS_OF_THE_MEASURED_USER = 100


@bench_dataset
def organisations_and_people(ctx: BenchContext) -> str:
    """Many organisations with a few members each; one measured organisation with a large team."""
    organisations = ctx.count(5000)
    people = ctx.count(20000)
    team = min(MEMBERS_OF_THE_MEASURED_ORGANISATION, people)
    password = make_password(None)  # unusable: figures log in with force_login
    users = User.objects.bulk_create(
        [
            User(email=f"bench-{n}@bench.invalid", first_name="Person", last_name=f"No. {n}",
                 password=password)
            for n in range(people)
        ],
        batch_size=BATCH,
    )  # fmt: skip
    orgs = Organisation.objects.bulk_create(
        [
            Organisation(
                legal_name=f"Bench Startup {n:05d} GmbH",
                country="DE",
                registration_number=f"HRB B{n:06d}",
                founded_on=date(2022, 1, 1),
                website="https://bench.invalid",
                employees=10 + n % 200,
                annual_turnover_eur=Decimal("900000"),
                balance_sheet_eur=Decimal("1500000"),
            )
            for n in range(organisations)
        ],
        batch_size=BATCH,
    )
    measured, owner = orgs[0], users[0]
    memberships = [
        Membership(organisation=measured, user=user, role=Membership.Role.MEMBER)
        for user in users[1:team]
    ]
    memberships.append(Membership(organisation=measured, user=owner, role=Membership.Role.OWNER))
    # Everyone else belongs to one of the other organisations (owners first).
    for n, user in enumerate(users[team:]):
        org = orgs[1 + n % max(len(orgs) - 1, 1)] if len(orgs) > 1 else measured
        role = Membership.Role.OWNER if n < len(orgs) - 1 else Membership.Role.MEMBER
        memberships.append(Membership(organisation=org, user=user, role=role))
    Membership.objects.bulk_create(memberships, batch_size=BATCH)
    Invitation.objects.bulk_create(
        [
            Invitation(organisation=measured, email=f"invitee-{n}@bench.invalid", invited_by=owner)
            for n in range(INVITATIONS_OF_THE_MEASURED_ORGANISATION)
        ]
    )
    Activity.objects.bulk_create(
        [
            Activity(actor=users[n % people], verb="organisation.update",
                     object_repr=f"Bench Startup {n % organisations:05d} GmbH")
            for n in range(ctx.count(50000))
        ],
        batch_size=BATCH,
    )  # fmt: skip
    notifications = ctx.count(20000)
    Notification.objects.bulk_create(
        [
            Notification(
                recipient=owner if n < NOTIFICATIONS_OF_THE_MEASURED_USER else users[n % people],
                to_email=(
                    owner if n < NOTIFICATIONS_OF_THE_MEASURED_USER else users[n % people]
                ).email,
                template="bench",
                subject=f"Notification {n}",
                body_text="Synthetic notification.",
                status=Notification.Status.SENT,
                attempts=1,
                idempotency_key=f"bench:{n}",
            )
            for n in range(notifications)
        ],
        batch_size=BATCH,
    )
    ctx.data.update(
        {"portal.organisation": measured, "portal.owner": owner, "portal.officer": _officer()}
    )
    return (
        f"{organisations:,} organisations, {people:,} people (the measured organisation has "
        f"{team} members), {ctx.count(50000):,} activity lines, {notifications:,} notifications"
    )


def _officer() -> User:
    """The programme officer the floor and the officer pages are measured as. With a TOTP device,
    so that the staff TOTP check of the middleware lets them through, as in production."""
    from allauth.mfa.models import Authenticator
    from django.contrib.auth.models import Group

    from portal.models.accounts import PROGRAMME_OFFICER_GROUP

    officer = User.objects.create(email="bench-officer@bench.invalid", password=make_password(None))
    officer.groups.add(Group.objects.get_or_create(name=PROGRAMME_OFFICER_GROUP)[0])
    Authenticator.objects.create(
        user=officer, type=Authenticator.Type.TOTP, data={"secret": "bench"}
    )
    return officer


@bench_figure("liveness probe /healthz, anonymous, no session")
def healthz_anonymous(ctx: BenchContext):
    return ctx.page(reverse("healthz"))


@bench_figure("home page, anonymous")
def home_anonymous(ctx: BenchContext):
    return ctx.page(reverse("home"))


@bench_figure("home page, signed-in applicant")
def home_applicant(ctx: BenchContext):
    return ctx.page(reverse("home"), user=ctx.data["portal.owner"])


@bench_figure("organisation page, 50 members and 20 invitations, as its owner")
def organisation_page(ctx: BenchContext):
    organisation = ctx.data["portal.organisation"]
    url = reverse("portal:organisation_detail", args=[organisation.pk])
    return ctx.page(url, user=ctx.data["portal.owner"])


@bench_figure("profile page (time-zone select of every zone)")
def profile_page(ctx: BenchContext):
    return ctx.page(reverse("portal:profile"), user=ctx.data["portal.owner"])


@bench_figure("notifications page, 100 notifications")
def notifications_page(ctx: BenchContext):
    return ctx.page(reverse("portal:notifications"), user=ctx.data["portal.owner"])
