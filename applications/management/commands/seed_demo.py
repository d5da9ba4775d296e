"""`manage.py seed_demo`: a realistic programme to look around in, with a login for each role.

The demo replays a few months of a programme through the same services a person's clicks run:
startups and SMEs across Europe register and invite colleagues, the programme office sets up
three calls that opened some months ago, and applicants write, submit and withdraw proposals at
past cut-offs and at the one open now; cut-offs close and unsubmitted drafts roll over as the
periodic job would do it. Each step runs at the moment it happened in that story, under the
process's clock moved there (applications.demo_clock), so submission times, reference numbers,
roll-overs, mails and the activity log read as they would in a real programme.

Idempotent: what exists is left as it is (a changed demo password stays changed, a draft the
visitor submitted stays submitted), what is missing is created, so running it twice changes
nothing. The programme's dates are relative to the day of the first run.
"""

from __future__ import annotations

import time as clock
import zoneinfo
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from allocations.catalogue import catalogue_seed
from allocations.models import Centre, CentreMembership, Partition
from allocations.units import Unit, convert
from applications import hooks
from applications.deadlines import local_to_utc
from applications.demo_clock import demo_moment
from applications.models import (
    AI_ACT_QUESTIONS,
    Call,
    CutOff,
    Proposal,
    ProposalReply,
    ProposalStatus,
)
from applications.modes import AccessMode
from applications.services import calls as call_services
from applications.services import proposals as proposal_services
from portal.models import Membership, Notification, Organisation, User
from portal.models.accounts import PROGRAMME_OFFICER_GROUP, REVIEWER_GROUP
from portal.roles import ensure_role_groups
from portal.services import notifications as notification_services
from portal.services import organisations as organisation_services
from portal.validators import normalise_registration_number

from ._demo_programme import (
    DRAFT,
    LUMEN,
    ORGANISATIONS,
    PROJECTS,
    UNDELIVERABLE_INVITATION,
    WITHDRAWN,
    DemoOrganisation,
    DemoProject,
    DemoRequest,
)

DEMO_PASSWORD = "demo-portal-2026"
DEMO_URL = "http://127.0.0.1:8000"
ZONE = "Europe/Brussels"
# The calls opened this many months before the month of the first run.
MONTHS_OF_HISTORY = 4


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
    "finish the shared draft and submit it; see a past submission",
)
TEAMMATE = DemoPerson(
    "applicant (teammate)",
    "teammate@demo.example",
    "Jonas",
    "Berg",
    "edit the same draft as the founder",
)
REVIEWER = DemoPerson(
    "reviewer",
    "reviewer@demo.example",
    "Marta",
    "Rossi",
    "Reviews: assignments with deadlines, a draft to finish, one to accept, submitted reviews "
    "beside the others'; bids and conflicts of the Large Scale pool; Panels: the Large Scale "
    "ranking, without the proposals you are conflicted with",
)
ASSESSOR = DemoPerson(
    "technical assessor (BSC)",
    "assessor@demo.example",
    "Pau",
    "Serra",
    "BSC's partitions, and the hours requested at each cut-off",
)
OFFICER = DemoPerson(
    "programme officer",
    "officer@demo.example",
    "Claire",
    "Dubois",
    "calls, cut-offs, each proposal's full view; Evaluation: the Large Scale cut-off's "
    "conflicts, reviewer assignment (a decline to replace), review progress (one overdue), the "
    "right of reply, and the panel ranking (a move, notes, a funding line inside the list): "
    "close the panel and preview the funding line",
)
CENTRE_ADMIN = DemoPerson(
    "centre administrator (CSC)",
    "centre.admin@demo.example",
    "Aino",
    "Virtanen",
    "LUMI's partitions, and capacity against demand",
)
ADMIN = DemoPerson(
    "site administrator",
    "admin@demo.example",
    "Marek",
    "Novák",
    "Failed work (a mail given up); the Django admin (/admin/)",
)
PEOPLE = (FOUNDER, TEAMMATE, REVIEWER, ASSESSOR, OFFICER, CENTRE_ADMIN, ADMIN)
# Lumen's people are the demo's applicant logins.
LUMEN_PEOPLE = {("Ada", "Kowalska"): FOUNDER.email, ("Jonas", "Berg"): TEAMMATE.email}


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
            # Leonardo's share is the tightest: at the peer-reviewed cut-off the panel's funding
            # line falls inside the list there.
            ("CINECA", "Leonardo", "Booster"): 600_000,
            ("JSC", "JUPITER", "Booster"): 3_000_000,
            ("BSC", "MareNostrum 5", "GPP"): 20_000_000,
        },
    ),
)


@contextmanager
def _as_of(moment: datetime) -> Iterator[None]:
    """Run what follows as if it were `moment`: services stamp their writes with it, and mails
    carry it as their date (applications.demo_clock)."""
    with demo_moment(moment):
        yield


@dataclass
class _Step:
    at: datetime
    run: Callable[[], None]


class Command(BaseCommand):
    help = "Seed a demo programme (organisations, people, calls, proposals). Idempotent."

    def handle(self, *args, **options):
        started = clock.monotonic()
        self.now = timezone.now().replace(microsecond=0)
        today = timezone.localdate(self.now, timezone=zoneinfo.ZoneInfo(ZONE))
        self.opening = local_to_utc(
            _add_months(today.replace(day=1), -MONTHS_OF_HISTORY), time(0), ZONE
        )
        # Everyone's password is the demo password; hashed once, as hashing is slow on purpose.
        self.password_hash = make_password(DEMO_PASSWORD)
        # Each step commits on its own, so that what follows a commit (the PDF, the receipt)
        # happens at that step's moment too, as it would have then.
        with self._mail_kept_in_files():
            with transaction.atomic():
                catalogue_seed()
                ensure_role_groups()
                logins = {person.email: self._person(person) for person in PEOPLE}
                self._roles(logins)
            self._organisations()
            officer = logins[OFFICER.email]
            calls = [self._call(spec, officer) for spec in CALLS]
            self._proposals({call.slug: call for call in calls})
            self._undeliverable_invitation()
            # The periodic job closes every cut-off that has passed.
            proposal_services.cutoffs_close_passed()
            for chapter in hooks.demo_chapters():  # the evaluation's part (applications.hooks)
                chapter(officer=officer)
        self._print_logins(calls, clock.monotonic() - started)

    # --- The story, step by step ----------------------------------------------------------------

    def _play(self, steps: list[_Step]) -> None:
        """Run the steps in time order; before each, close the cut-offs passed by then."""
        for step in sorted(steps, key=lambda s: s.at):
            with _as_of(step.at):
                proposal_services.cutoffs_close_passed()
                with transaction.atomic():
                    step.run()

    # --- People ---------------------------------------------------------------------------------

    def _person(self, person: DemoPerson) -> User:
        return self._user(
            person.email,
            person.first_name,
            person.last_name,
            is_admin=person is ADMIN,
        )

    def _user(self, email: str, first_name: str, last_name: str, is_admin: bool = False) -> User:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email=email,
                first_name=first_name,
                last_name=last_name,
                is_staff=is_admin,
                is_superuser=is_admin,
            )
            user.password = self.password_hash
            user.save(update_fields=["password"])
        # Verified, so the logins work under mandatory email verification.
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
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

    # --- Organisations --------------------------------------------------------------------------

    def _email(self, spec: DemoOrganisation, name: tuple[str, str]) -> str:
        if spec.legal_name == LUMEN:
            return LUMEN_PEOPLE[name]
        return f"{_ascii(name[0])}.{_ascii(name[1])}@{spec.domain}"

    def _organisations(self) -> None:
        """Each organisation registers some weeks before the calls open; its owner invites the
        colleagues, who accept a few hours later."""
        steps = []
        first = self.opening - timedelta(days=60)
        for n, spec in enumerate(ORGANISATIONS):
            registered = first + timedelta(hours=13 * n)
            steps.append(_Step(registered, lambda spec=spec: self._register(spec)))
            for m, name in enumerate(spec.members):
                invited = registered + timedelta(hours=1 + m)
                steps.append(_Step(invited, lambda s=spec, name=name: self._invite(s, name)))
                steps.append(
                    _Step(invited + timedelta(hours=4), lambda s=spec, n=name: self._accept(s, n))
                )
        self._play(steps)

    def _organisation(self, spec: DemoOrganisation) -> Organisation | None:
        number = normalise_registration_number(spec.registration_number, spec.country)
        return Organisation.objects.filter(country=spec.country, registration_number=number).first()

    def _register(self, spec: DemoOrganisation) -> None:
        if self._organisation(spec) is not None:
            return
        owner = self._user(self._email(spec, spec.owner), *spec.owner)
        organisation_services.organisation_create(
            by=owner,
            facts={
                "legal_name": spec.legal_name,
                "country": spec.country,
                "registration_number": spec.registration_number,
                "vat_number": spec.vat_number,
                "founded_on": spec.founded_on,
                "website": spec.website,
                "employees": spec.employees,
                "annual_turnover_eur": Decimal(spec.turnover_eur),
                "balance_sheet_eur": Decimal(spec.balance_sheet_eur),
            },
        )

    def _invite(self, spec: DemoOrganisation, name: tuple[str, str]) -> None:
        organisation = self._organisation(spec)
        email = self._email(spec, name)
        if organisation.memberships.filter(user__email=email).exists():
            return
        if organisation.invitations.filter(email=email).exists():
            return
        owner = organisation.memberships.filter(role=Membership.Role.OWNER).first().user
        organisation_services.invitation_create(organisation=organisation, by=owner, email=email)

    def _accept(self, spec: DemoOrganisation, name: tuple[str, str]) -> None:
        organisation = self._organisation(spec)
        email = self._email(spec, name)
        invitation = organisation.invitations.filter(email=email, status="pending").first()
        if invitation is None:
            return
        user = self._user(email, *name)
        organisation_services.invitation_accept(invitation=invitation, user=user)

    def _undeliverable_invitation(self) -> None:
        """Two days ago an owner invited a mistyped address; its mail server refused every
        attempt, so the outbox gave the mail up and the site administrators were alerted: the
        admin's "Failed work" page has the row to re-queue. Played through the outbox's own
        delivery, attempt by attempt as each falls due."""
        legal_name, email = UNDELIVERABLE_INVITATION
        organisation = Organisation.objects.filter(legal_name=legal_name).first()
        if organisation is None or organisation.invitations.filter(email=email).exists():
            return
        owner = organisation.memberships.get(role=Membership.Role.OWNER).user
        moment = (self.now - timedelta(days=2)).replace(hour=9, minute=12, second=0)
        with override_settings(
            EMAIL_BACKEND="applications.management.commands._demo_mail.MailboxUnknownBackend",
            DEMO_DELIVERY_EMAIL_BACKEND=settings.EMAIL_BACKEND,
            DEMO_UNKNOWN_MAILBOXES=[email],
        ):
            with _as_of(moment), transaction.atomic():
                invitation = organisation_services.invitation_create(
                    organisation=organisation, by=owner, email=email
                )
            mail = Notification.objects.get(idempotency_key=f"invitation:{invitation.pk}:created")
            for _attempt in range(settings.NOTIFICATION_MAX_ATTEMPTS):
                if mail.given_up_at is not None:
                    break
                moment = max(moment, mail.next_attempt_at or moment)
                with _as_of(moment), transaction.atomic():
                    mail = notification_services.notification_deliver(notification_id=mail.pk)

    # --- Calls ----------------------------------------------------------------------------------

    def _call(self, spec: DemoCall, officer: User) -> Call:
        existing = Call.objects.filter(slug=spec.slug).first()
        if existing is not None:
            return existing
        closes_at = local_to_utc(
            _add_months(_local_day(self.opening), spec.months_open), time(0), ZONE
        )
        # Set up three weeks before the opening, published a week later.
        with _as_of(self.opening - timedelta(days=21)), transaction.atomic():
            call = call_services.call_create(
                by=officer,
                title=spec.title,
                slug=spec.slug,
                mode=spec.mode,
                summary=spec.summary,
                description=spec.description,
                opens_at=self.opening,
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
            )
        with _as_of(self.opening - timedelta(days=14)):
            return call_services.call_publish(call=call, by=officer)

    # --- Proposals ------------------------------------------------------------------------------

    def _proposals(self, calls: dict[str, Call]) -> None:
        steps: list[_Step] = []
        for n, project in enumerate(PROJECTS):
            call = calls[project.call]
            organisation = self._organisation(_organisation_spec(project.organisation))
            exists = Proposal.objects.filter(
                call=call, organisation=organisation, acronym=project.acronym
            ).exists()
            if not exists:
                steps += self._project_steps(n, project, call, organisation)
        self._play(steps)

    def _cutoff_window(self, call: Call, index: int) -> tuple[datetime, CutOff] | None:
        """The cut-off `index` places from the next one (0) and the moment the one before it
        passed (or the call opened): the time a proposal for it was written in."""
        cutoffs = list(call.cutoffs.order_by("at"))
        upcoming = [i for i, c in enumerate(cutoffs) if c.at > self.now]
        position = (upcoming[0] if upcoming else len(cutoffs)) + index
        if not 0 <= position < len(cutoffs):
            return None  # a call set up by an older demo without such a cut-off
        since = cutoffs[position - 1].at if position else call.opens_at
        return max(since, call.opens_at), cutoffs[position]

    def _between(self, start: datetime, end: datetime, share: float) -> datetime:
        end = min(end, self.now - timedelta(minutes=5))
        return (start + (end - start) * share).replace(microsecond=0)

    def _project_steps(
        self, n: int, project: DemoProject, call: Call, organisation: Organisation
    ) -> list[_Step]:
        started = self._cutoff_window(call, project.started_at_cutoff)
        aimed = self._cutoff_window(call, project.cutoff)
        if started is None or aimed is None or aimed[1].closed_at is not None:
            # A project added to the demo after its cut-off closed can no longer be submitted.
            return []
        since, first_cutoff = started
        aimed_since, cutoff = aimed
        owner = organisation.memberships.filter(role=Membership.Role.OWNER).first().user
        colleague = organisation.memberships.exclude(user=owner).select_related("user").first()
        colleague = colleague.user if colleague else None
        jitter = (n % 7) / 20  # spreads the projects over each window
        created = self._between(since, first_cutoff.at, 0.1 + jitter)
        # The colleague writes the technical sections later: after the roll-over, if any.
        if project.started is not None:
            later = self._between(aimed_since, cutoff.at, 0.2 + jitter)
        else:
            later = self._between(created, cutoff.at, 0.3)
        submitted = self._between(max(later, aimed_since), cutoff.at, 0.6 + jitter)
        state: dict[str, Proposal] = {}
        filled = project.filled or (
            "summary",
            "team",
            "ai_plan",
            "resources",
            "software",
            "data_ethics",
            "commercial",
        )
        technical = {"ai_plan", "resources", "software"}
        writer = colleague or owner

        def start() -> None:
            proposal = proposal_services.proposal_create(
                call=call, organisation=organisation, by=owner
            )
            state["proposal"] = _fill(
                proposal, project, [s for s in filled if s not in technical], owner, colleague
            )

        def write_technical() -> None:
            state["proposal"] = _fill(
                state["proposal"], project, [s for s in filled if s in technical], writer, None
            )

        steps = [_Step(created, start), _Step(later, write_technical)]
        if project.state == DRAFT:
            return steps

        def submit() -> None:
            state["proposal"] = proposal_services.proposal_submit(
                proposal=state["proposal"], by=owner
            )

        steps.append(_Step(submitted, submit))
        if project.state == WITHDRAWN:

            def withdraw() -> None:
                proposal_services.proposal_withdraw(
                    proposal=state["proposal"], by=owner, reason=project.withdrawal_reason
                )

            steps.append(_Step(self._between(submitted, self.now, 0.5), withdraw))
        return steps

    # --- Output ---------------------------------------------------------------------------------

    @contextmanager
    def _mail_kept_in_files(self) -> Iterator[None]:
        """The demo sends a few hundred mails (receipts with their PDF, invitations,
        roll-overs). On the console, the default, they would bury the logins: they go to files
        under var/demo-mail instead."""
        self.mail_folder = None
        if settings.EMAIL_BACKEND != "django.core.mail.backends.console.EmailBackend":
            yield
            return
        self.mail_folder = Path(settings.BASE_DIR) / "var" / "demo-mail"
        self.mail_folder.mkdir(parents=True, exist_ok=True)
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
            EMAIL_FILE_PATH=str(self.mail_folder),
        ):
            yield

    def _reply_team(self) -> list[DemoPerson]:
        """The Large Scale team whose right of reply is open now (the evaluation's chapters
        leave one), as a login to try: Lumen, the founder's company, applies to no peer-reviewed
        cut-off."""
        reply = (
            ProposalReply.objects.filter(
                proposal__status=ProposalStatus.IN_REPLY,
                proposal__call__mode=AccessMode.LARGE_SCALE,
                deadline__gt=timezone.now(),
            )
            .exclude(status=ProposalReply.Status.SUBMITTED)
            .select_related("proposal__created_by")
            .order_by("deadline", "pk")
            .first()
        )
        if reply is None:
            return []
        owner = reply.proposal.created_by
        return [
            DemoPerson(
                "applicant (Large Scale)",
                owner.email,
                owner.first_name,
                owner.last_name,
                f"{reply.proposal.acronym}: the anonymised reviews and the reply form (a draft "
                "saved, the deadline ahead)",
            )
        ]

    def _print_logins(self, calls: list[Call], seconds: float) -> None:
        out = self.stdout
        proposals = Proposal.objects.filter(call__in=calls)
        submitted = proposals.exclude(status__in=[ProposalStatus.DRAFT, ProposalStatus.WITHDRAWN])
        countries = Organisation.objects.values("country").distinct().count()
        out.write("")
        out.write(
            f"Demo programme ready in {seconds:.1f} s: {Organisation.objects.count()} "
            f"organisations in {countries} countries, {submitted.count()} proposals submitted "
            f"at {submitted.values('cutoff').distinct().count()} cut-offs, "
            f"{proposals.filter(status=ProposalStatus.DRAFT).count()} drafts."
        )
        out.write(f"Open {DEMO_URL} and log in as:")
        out.write("")
        people = [*PEOPLE, *self._reply_team()]
        width = max(len(p.role) for p in people)
        email_width = max(len(p.email) for p in people)
        out.write(f"  {'role':<{width}}  {'email':<{email_width}}  {'password':<18}  try")
        out.write(f"  {'-' * width}  {'-' * email_width}  {'-' * 18}  {'-' * 30}")
        for p in people:
            out.write(
                f"  {p.role:<{width}}  {p.email:<{email_width}}  {DEMO_PASSWORD:<18}  {p.does}"
            )
        out.write("")
        out.write(
            "  Every other person of the demo (e.g. lena.hoffmann@nordlicht-robotics.example) "
            "has the same password."
        )
        out.write("")
        for call in calls:
            out.write(f"  {call.get_mode_display():<12} {DEMO_URL}{call.get_absolute_url()}")
        if self.mail_folder is not None:
            out.write("")
            out.write(f"  Mail the demo sent is in {self.mail_folder}.")
        if settings.PORTAL_STAFF_MFA_REQUIRED:
            out.write("")
            out.write(
                "  Staff roles must set up two-factor authentication before reaching staff pages; "
                "run with PORTAL_STAFF_MFA_REQUIRED=0 to skip that in the demo."
            )


# --- Writing a proposal ---------------------------------------------------------------------


def _fill(proposal, project: DemoProject, sections, by: User, colleague: User | None):
    """Fill the given sections of the form the way the applicant would, section by section."""
    for section in sections:
        if section == "team":
            if colleague is not None:
                proposal_services.team_member_add(
                    proposal=proposal,
                    by=by,
                    user=colleague,
                    role="engineer",
                    expertise="Distributed training, data pipelines and HPC job scripts.",
                )
            continue
        if section == "resources":
            for request in project.requests:
                _request(proposal, project, request, by)
            continue
        data = _section_data(project, section)
        if data:
            proposal = proposal_services.proposal_update(
                proposal=proposal, by=by, data=data, expected_version=None
            )
    return proposal


def _section_data(project: DemoProject, section: str) -> dict:
    if section == "summary":
        data = {"title": project.title, "acronym": project.acronym, "abstract": project.abstract}
        if project.keywords:
            data["keywords"] = list(project.keywords)
        return data
    if section == "ai_plan":
        if not project.model_type:
            return {}
        systems = ", ".join(f"{r.partition[1]} {r.partition[2]}" for r in project.requests)
        plan = (
            f"{project.method}\n\nFirst weeks: porting, data-loader tuning and scaling tests on "
            f"{systems or 'the requested partition'}. Then the main runs, with checkpoints every "
            "two hours so that a failed node costs little. Last weeks: evaluation, the release "
            "of results and the final report."
        )
        return {
            "model_type": project.model_type,
            "parameters": project.parameters or None,
            "training_tokens": project.training_tokens or None,
            "dataset_size_tb": project.dataset_tb or None,
            "training_share_percent": project.training_share or None,
            "ai_plan": plan,
        }
    if section == "software":
        amd = any(r.partition[1] == "LUMI" for r in project.requests)
        return {
            "software_stack": (
                "PyTorch 2 with ROCm 6 and RCCL, DeepSpeed; Slurm batch jobs."
                if amd
                else "PyTorch 2 with CUDA 12 and NCCL, FSDP; Slurm batch jobs."
            ),
            "containers": (
                "An Apptainer image built from the "
                + ("AMD ROCm PyTorch" if amd else "NVIDIA NGC PyTorch")
                + " container, tested on the system during porting."
            ),
        }
    if section == "data_ethics":
        if not project.data_sources:
            return {}
        answers = dict.fromkeys(AI_ACT_QUESTIONS, "no")
        answers["general_purpose"] = "yes" if project.general_purpose else "no"
        answers["interacts_with_people"] = "yes" if project.interacts_with_people else "no"
        return {
            "data_sources": project.data_sources,
            "data_licences": (
                "Each source's licence is recorded in our data management plan: open licences "
                "(CC BY 4.0, ODbL) for public sources, written agreements for the rest."
            ),
            "uses_personal_data": bool(project.personal_data),
            "personal_data_measures": project.personal_data,
            "ai_act_answers": answers,
            "civilian_use_confirmed": True,
        }
    if section == "commercial":
        if not project.impact:
            return {}
        return {
            "is_confidential": False,
            "expected_impact": (
                f"{project.impact} The results feed our product roadmap for the next year; "
                "we will report what worked and what did not in the final report."
            ),
        }
    return {}


def _request(proposal, project: DemoProject, spec: DemoRequest, by: User) -> None:
    centre, system, name = spec.partition
    offered = proposal.call.offered_partitions.select_related("partition").get(
        partition__centre__short_name=centre,
        partition__system_name=system,
        partition__name=name,
    )
    partition = offered.partition
    per_node = partition.accelerators_per_node if partition.is_gpu else 1
    nodes = max(spec.job_size // max(per_node, 1), 1)
    wall_hours = partition.to_node_hours(spec.hours) / nodes
    what = "GPUs" if partition.is_gpu else "nodes"
    proposal_services.resource_request_save(
        proposal=proposal,
        by=by,
        offered_partition=offered,
        hours=spec.hours,
        job_size=spec.job_size,
        storage_tb=spec.storage_tb,
        duration_months=spec.months,
        justification=(
            f"Jobs of {spec.job_size} {what} ({nodes} nodes): about {wall_hours:,.0f} hours of "
            f"wall time over {spec.months} month{'s' if spec.months > 1 else ''}, including "
            "the scaling tests and the evaluation described in the AI plan."
        ),
    )


# --- Helpers --------------------------------------------------------------------------------


def _organisation_spec(legal_name: str) -> DemoOrganisation:
    return next(o for o in ORGANISATIONS if o.legal_name == legal_name)


def _ascii(name: str) -> str:
    """A name as it would appear in a mail address: Sørensen -> sorensen."""
    import unicodedata

    special = str.maketrans({"ø": "o", "Ø": "O", "æ": "ae", "å": "a", "ß": "ss", "ł": "l"})
    folded = unicodedata.normalize("NFKD", name.translate(special))
    return "".join(c for c in folded if c.isascii() and c.isalnum()).lower()


def _local_day(moment: datetime) -> date:
    return moment.astimezone(zoneinfo.ZoneInfo(ZONE)).date()


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    return day.replace(year=day.year + month // 12, month=month % 12 + 1)


def _in_unit(partition: Partition, hours: int) -> Decimal:
    """Pool sizes above are GPU-hours (core-hours on CPU partitions): convert to the unit."""
    source = Unit.GPU_HOURS if partition.is_gpu else Unit.CORE_HOURS
    return convert(partition, hours, source, partition.unit).to_integral_value()
