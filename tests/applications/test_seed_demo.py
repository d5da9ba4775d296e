"""`manage.py seed_demo`: a realistic programme, reached through the services, with a login for
each role that lands on content; safe to run twice."""

import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from applications.hooks import submitted_q
from applications.models import Call, CutOff, Proposal, ProposalStatus, TeamMember
from applications.selectors.calls import calls_open
from applications.selectors.proposals import proposal_submission_problems
from portal import roles
from portal.models import Activity, Membership, Organisation, User
from reviews.models import EligibilityCheck

pytestmark = pytest.mark.django_db

OFFICER_LOGIN = "officer@demo.example"

COUNTED = [
    "portal.User",
    "portal.Organisation",
    "portal.Membership",
    "portal.Invitation",
    "portal.Activity",
    "portal.Notification",
    "auth.Group",
    "account.EmailAddress",
    "allocations.Centre",
    "allocations.Partition",
    "allocations.CentreMembership",
    "allocations.CapacityPool",
    "applications.Call",
    "applications.CutOff",
    "applications.CallPartition",
    "applications.CutOffPool",
    "applications.EvaluationCriterion",
    "applications.Proposal",
    "applications.TeamMember",
    "applications.ResourceRequest",
    "applications.ReferenceCounter",
]


def _counts() -> dict[str, int]:
    return {label: apps.get_model(label).objects.count() for label in COUNTED}


def _state() -> set[tuple]:
    """What a second run must not change: every proposal's state, reference and cut-off."""
    return set(
        Proposal.objects.values_list(
            "organisation__legal_name", "acronym", "status", "reference", "cutoff__at", "version"
        )
    )


def _seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def _logins(output: str) -> dict[str, str]:
    return dict(re.findall(r"(\S+@demo\.example)\s+(\S+)", output))


def test_running_twice_changes_nothing_and_seeds_a_realistic_programme():
    output = _seed()
    first, state = _counts(), _state()
    groups = {u.email: sorted(u.groups.values_list("name", flat=True)) for u in User.objects.all()}
    _seed()
    assert _counts() == first
    assert _state() == state
    assert groups == {
        u.email: sorted(u.groups.values_list("name", flat=True)) for u in User.objects.all()
    }

    # Dozens of startups and SMEs in several countries, each with an owner.
    assert 30 <= first["portal.Organisation"] <= 40
    assert Organisation.objects.values("country").distinct().count() >= 10
    kinds = {organisation.kind for organisation in Organisation.objects.all()}
    assert kinds == {"startup", "sme"}
    assert not Organisation.objects.exclude(memberships__role=Membership.Role.OWNER).exists()
    assert first["portal.Membership"] > first["portal.Organisation"]  # colleagues joined
    # Three calls, each with cut-offs in the past and ahead.
    now = timezone.now()
    assert {c.mode for c in Call.objects.all()} == {"playground", "fast_lane", "large_scale"}
    for call in Call.objects.all():
        assert call.cutoffs.filter(at__lt=now).exists(), call
        assert call.cutoffs.filter(at__gt=now).exists(), call
    # Submitted proposals at past cut-offs and at the next one, in every call; drafts too. The
    # programme office has checked the eligibility of the earlier cut-offs' proposals.
    submitted = Proposal.objects.filter(submitted_q()).exclude(status=ProposalStatus.WITHDRAWN)
    assert submitted.count() >= 20
    checks = EligibilityCheck.objects.all()
    assert checks.filter(outcome="eligible").count() >= 5
    assert checks.filter(outcome="ineligible").count() == Call.objects.count()
    assert Proposal.objects.filter(status=ProposalStatus.SUBMITTED, cutoff__at__lt=now).exists()
    for call in Call.objects.all():
        mine = submitted.filter(call=call)
        assert mine.filter(cutoff__at__lt=now).values("cutoff").distinct().count() >= 2, call
        assert mine.filter(cutoff__at__gt=now).exists(), call
    assert Proposal.objects.filter(status=ProposalStatus.DRAFT).count() >= 5
    assert Proposal.objects.filter(status=ProposalStatus.WITHDRAWN).count() == 1
    assert "organisations in" in output and "proposals submitted" in output


def test_states_are_reached_through_the_services(django_capture_on_commit_callbacks):
    # What runs after commit (PDFs, receipts) runs here as it does after the seed's commit.
    with django_capture_on_commit_callbacks(execute=True):
        _seed()
    now = timezone.now()
    for proposal in Proposal.objects.exclude(status=ProposalStatus.DRAFT).select_related(
        "cutoff", "call"
    ):
        # Numbered by its cut-off, submitted before it, its PDF rendered, the step logged.
        assert proposal.reference.startswith(f"AIF-{proposal.call.mode_code}-"), proposal
        assert proposal.submitted_at < proposal.cutoff.at, proposal
        assert proposal.pdf_status == "ready", proposal
        assert Activity.objects.filter(object_id=str(proposal.pk), verb="proposal.submit").exists()
    withdrawn = Proposal.objects.get(status=ProposalStatus.WITHDRAWN)
    assert withdrawn.withdrawal_reason and withdrawn.withdrawn_at
    # Every submitted proposal was complete when it was sent.
    for proposal in Proposal.objects.filter(status=ProposalStatus.SUBMITTED):
        problems = proposal_submission_problems(proposal=proposal, now=proposal.submitted_at)
        assert set(problems) == {"__all__"}, (proposal, problems)  # only "not a draft" now
    # Passed cut-offs were closed as the periodic job does; drafts sit at open cut-offs only.
    assert not CutOff.objects.filter(at__lt=now, closed_at__isnull=True).exists()
    assert not Proposal.objects.filter(status=ProposalStatus.DRAFT, cutoff__at__lt=now).exists()
    # Receipts and invitations went through the outbox.
    assert apps.get_model("portal.Notification").objects.filter(status="sent").count() > 20


class DatedOutbox(BaseEmailBackend):
    """Keeps each mail's subject with the Date it was sent with (the locmem outbox keeps the
    message, whose Date is made anew on each reading)."""

    sent: list[tuple[str, datetime]] = []

    def send_messages(self, messages):
        for message in messages:
            dated = parsedate_to_datetime(message.message()["Date"]).replace(tzinfo=UTC)
            self.sent.append((message.subject, dated))
        return len(messages)


@pytest.mark.django_db(transaction=True)
def test_mails_are_dated_when_the_story_sent_them(settings):
    # Committed as `make demo` commits: each mail goes out after its step's commit, still at
    # that step's moment (the receipt at the submission, the released award at its release).
    settings.EMAIL_BACKEND = f"{__name__}.DatedOutbox"
    DatedOutbox.sent = []
    _seed()
    receipts = [(s, dated) for s, dated in DatedOutbox.sent if " received: " in s]
    assert len(receipts) >= 20
    for subject, dated in receipts:
        reference = subject.split()[1]
        submitted = Proposal.objects.get(reference=reference).submitted_at
        assert abs(dated - submitted) < timedelta(minutes=1), reference
    award, dated = next((s, d) for s, d in DatedOutbox.sent if s.startswith("Hours awarded"))
    decided = Proposal.objects.get(reference=award.split(":")[0].split()[-1]).decided_at
    assert decided < dated < decided + timedelta(days=1)
    assert max(dated for _, dated in DatedOutbox.sent) <= timezone.now()  # none in the future


def test_every_demo_login_lands_on_content(client, settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False  # as `make demo` runs it
    output = _seed()
    logins = _logins(output)
    assert len(logins) == 7
    for email in logins:
        assert EmailAddress.objects.get(email=email).verified
    by_email = {u.email: u for u in User.objects.filter(email__in=logins)}
    assert roles.is_programme_officer(by_email["officer@demo.example"])
    assert roles.is_reviewer(by_email["reviewer@demo.example"])
    assert roles.is_technical_assessor(by_email["assessor@demo.example"])
    assert roles.is_centre_administrator(by_email["centre.admin@demo.example"])
    assert by_email["admin@demo.example"].is_superuser

    def log_in(email: str) -> None:
        client.logout()
        response = client.post(
            reverse("account_login"), {"login": email, "password": logins[email]}
        )
        assert response.status_code == 302, email

    def page(url: str) -> str:
        response = client.get(url)
        assert response.status_code == 200, url
        return response.content.decode()

    # The founder and the teammate share a draft that rolled over from the last cut-off; the
    # founder also has a proposal submitted at a past cut-off.
    shared = Proposal.objects.get(acronym="LEXFT")
    assert shared.status == ProposalStatus.DRAFT and shared.cutoff.at > timezone.now()
    assert Activity.objects.filter(object_id=str(shared.pk), verb="proposal.roll_over").exists()
    team = set(shared.team.values_list("user__email", flat=True))
    assert team == {"founder@demo.example", "teammate@demo.example"}
    assert shared.team.get(role=TeamMember.Role.PI).user.email == "founder@demo.example"
    past = Proposal.objects.get(acronym="LEXPORT")
    # Submitted, and perhaps evaluated since (the demo's evaluation chapters: eligibility,
    # technical assessment, a first-come-first-served decision).
    assert past.status in (
        ProposalStatus.SUBMITTED,
        ProposalStatus.ELIGIBLE,
        ProposalStatus.IN_REVIEW,
        ProposalStatus.AWARDED,
        ProposalStatus.WAITLISTED,
        ProposalStatus.REJECTED,
    )
    assert past.submitted_at and past.cutoff.at < timezone.now()
    for email in ("founder@demo.example", "teammate@demo.example"):
        log_in(email)
        dashboard = page(reverse("applications:dashboard"))
        assert "Fine-tuning an open 8B model" in dashboard, email
        assert page(reverse("applications:proposal_detail", args=[shared.pk]))
        section = reverse("applications:proposal_section", args=[shared.pk, "summary"])
        assert "LEXFT" in page(section)
    log_in("founder@demo.example")
    assert past.reference in page(reverse("applications:dashboard"))

    # The reviewer lands on the open calls.
    log_in("reviewer@demo.example")
    home = page(reverse("home"))
    for call in calls_open():
        assert call.title in home

    # Centre staff: their centre's pools by call and cut-off, with hours requested.
    for email, centre, partition in (
        ("assessor@demo.example", "BSC", "MareNostrum 5 ACC"),
        ("centre.admin@demo.example", "CSC", "LUMI LUMI-G"),
    ):
        log_in(email)
        listing = page(reverse("allocations:centre_list"))
        centre_pk = by_email[email].centres.get().pk
        assert reverse("allocations:centre_detail", args=[centre_pk]) in listing
        detail = page(reverse("allocations:centre_detail", args=[centre_pk]))
        assert "Capacity by call and cut-off" in detail, centre
        for call in Call.objects.all():
            assert call.title in detail
        text = " ".join(re.sub(r"<[^>]+>", " ", detail).split())
        requested = re.findall(r"([\d,]+) of [\d,]+ GPU-hours requested", text)
        assert any(figure != "0" for figure in requested), centre
        assert partition in text
    # The LUMI-G pool of the last Large Scale cut-off is oversubscribed.
    assert "Oversubscribed" in detail

    # The officer: calls with submissions, and the next cut-off's proposals.
    log_in("officer@demo.example")
    calls_page = page(reverse("applications:officer_calls"))
    for call in Call.objects.all():
        assert call.title in calls_page
    next_fast_lane = (
        CutOff.objects.filter(call__slug="fast-lane", at__gt=timezone.now()).order_by("at").first()
    )
    cutoff_page = page(reverse("applications:officer_cutoff", args=[next_fast_lane.pk]))
    for proposal in next_fast_lane.proposals.filter(status=ProposalStatus.SUBMITTED):
        assert proposal.reference in cutoff_page
    assert next_fast_lane.proposals.filter(status=ProposalStatus.SUBMITTED).count() >= 2
    assert "AIF-" in page(reverse("applications:officer_proposals"))

    # The site administrator: the Django admin, with the proposals in it.
    log_in("admin@demo.example")
    assert "AIF-" in page(reverse("admin:applications_proposal_changelist"))
    # ...and one mail the outbox gave up on after every attempt (a mistyped address answered
    # 550), on the page where it can be queued again.
    failed = apps.get_model("portal.Notification").objects.filter(given_up_at__isnull=False)
    assert [(n.to_email, n.attempts) for n in failed] == [("theo.girad@brume.example", 5)]
    assert "550" in failed.get().last_error
    failed_work = page(reverse("portal:failed_work"))
    assert "theo.girad@brume.example" in failed_work and "User unknown" in failed_work

    # Everyone else in the demo has the same password (e.g. another organisation's owner).
    owner = Organisation.objects.get(legal_name="Nordlicht Robotics GmbH").memberships.get(
        role=Membership.Role.OWNER
    )
    log_in_as_other = client.login(username=owner.user.email, password=logins[OFFICER_LOGIN])
    assert log_in_as_other
