"""The demo's decisions: on its passed first-come-first-served cut-offs, awards hold hours, one
proposal is rejected with the assessment's comment, one is waitlisted; one decision mail is
delivered and others wait; the officer and the assessor find work; a rerun changes nothing."""

from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models
from django.urls import reverse
from django.utils import timezone

from allocations.models import Allocation
from applications.models import Proposal, ProposalStatus
from portal.models import Activity, Notification, User
from reviews.demo_assessments import DEMO_ASSESSOR_EMAIL, DEMO_OFFICER_EMAIL
from reviews.demo_decisions import TO_APPLICANT, TO_PANEL, decision_demo_seed
from reviews.models import TechnicalAssessment
from tests.factories.portal import give_totp

pytestmark = pytest.mark.django_db


def test_the_demo_decides_in_every_way_and_leaves_work_for_the_officer_and_assessor(client):
    call_command("seed_demo", stdout=StringIO())
    fcfs = Proposal.objects.exclude(call__mode="large_scale")
    awarded = fcfs.filter(status=ProposalStatus.AWARDED)
    assert awarded.count() >= 2
    assert fcfs.filter(status=ProposalStatus.REJECTED).count() == 1
    assert fcfs.filter(status=ProposalStatus.WAITLISTED).count() == 1
    held = Allocation.objects.filter(status=Allocation.Status.RESERVED)
    assert {a.holder_id for a in held} == {p.organisation_id for p in awarded}
    mails = Notification.objects.filter(template="fcfs_decision")
    # Released (delivered once the seed's transaction commits; a test's never does).
    assert mails.filter(released_at__isnull=False).exclude(status="held").exists()
    assert mails.filter(status=Notification.Status.HELD).exists()
    rejection = mails.get(subject__startswith="No hours awarded", status=Notification.Status.HELD)
    assert TO_APPLICANT["reject"] in rejection.body_text
    assert TO_PANEL not in rejection.body_text + rejection.body_html

    officer = User.objects.get(email=DEMO_OFFICER_EMAIL)
    due = fcfs.filter(status=ProposalStatus.IN_REVIEW).exclude(
        technical_assessments__status__in=["open", "overdue"]
    )
    assert due.exists()
    give_totp(officer)
    client.force_login(officer)
    page = client.get(reverse("reviews:decision_cutoff", kwargs={"pk": due[0].cutoff_id}))
    assert due[0].reference in page.content.decode()
    assessor = User.objects.get(email=DEMO_ASSESSOR_EMAIL)
    assert TechnicalAssessment.objects.filter(
        centre__short_name="BSC",
        status__in=["open", "overdue"],
        proposal__call__mode__in=["playground", "fast_lane"],
    ).exists()

    before = (
        list(Proposal.objects.order_by("pk").values_list("status", flat=True)),
        Allocation.objects.count(),
        Notification.objects.count(),
    )
    assert decision_demo_seed(officer=officer) == {}
    call_command("seed_demo", stdout=StringIO())
    after = (
        list(Proposal.objects.order_by("pk").values_list("status", flat=True)),
        Allocation.objects.count(),
        Notification.objects.count(),
    )
    assert after == before
    assert assessor.is_active


def test_the_demo_evaluates_at_past_moments_mostly_within_the_promise(client):
    call_command("seed_demo", stdout=StringIO())

    # The officer's workspace: most decisions came within the promise, some outside it.
    officer = User.objects.get(email=DEMO_OFFICER_EMAIL)
    give_totp(officer)
    client.force_login(officer)
    calls = client.get(reverse("reviews:officer_workspace")).context["calls"]
    figures = [w.time_to_access for c in calls for w in c.cutoffs]
    in_time = sum(t.decided_in_time for t in figures)
    late = sum(t.decided_late for t in figures)
    assert late >= 1
    assert in_time > 2 * late

    # Each evaluated proposal's story unfolds in order, over hours and days, not in one minute.
    steps = ("submit", "eligibility", "assessment", "decision")
    verbs = {
        "proposal.submit": "submit",
        "proposal.declare_eligible": "eligibility",
        "proposal.declare_ineligible": "eligibility",
        "assessment.submit": "assessment",
        "proposal.award": "decision",
        "proposal.reject": "decision",
        "proposal.waitlist": "decision",
    }
    decided = Proposal.objects.filter(decided_at__isnull=False, technical_assessments__isnull=False)
    assert decided.distinct().count() >= 4
    for proposal in decided.distinct():
        entries = Activity.objects.filter(object_id=str(proposal.pk), verb__in=verbs)
        first = {}
        for entry in entries.order_by("created_at", "pk"):
            first.setdefault(verbs[entry.verb], entry.created_at)
        assert list(first) == list(steps), proposal
        moments = [first[step].replace(second=0, microsecond=0) for step in steps]
        assert moments == sorted(set(moments)), (proposal, moments)
        assert proposal.decided_at == first["decision"]

    # Nothing the story wrote is dated after now (the schedule of calls and cut-offs aside).
    schedule = {("applications.Call", "opens_at"), ("applications.Call", "closes_at")}
    schedule.add(("applications.CutOff", "at"))
    schedule.add(("reviews.ReviewAssignment", "deadline"))  # reviews still due
    schedule.add(("applications.ProposalReply", "deadline"))  # a reply still open
    now = timezone.now()
    for model in apps.get_models():
        if model._meta.app_label not in ("portal", "allocations", "applications", "reviews"):
            continue  # the test client's session, the scheduler's tables
        for field in model._meta.get_fields():
            if not isinstance(field, models.DateTimeField):
                continue
            if (model._meta.label, field.name) in schedule:
                continue
            future = model.objects.filter(**{f"{field.name}__gt": now})
            assert not future.exists(), (model._meta.label, field.name)
