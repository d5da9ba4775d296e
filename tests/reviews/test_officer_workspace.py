"""The programme officer's workspace: what each proposal waits on (kept on the proposal by the
door and the assessment services), the counters per call and cut-off, who may see them, and
what they cost."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from applications.models import Proposal, ProposalStatus, WaitingOn
from applications.modes import AccessMode
from applications.services.proposals import cutoff_counts_rebuild, proposals_waiting_refresh
from reviews.models import TechnicalAssessment
from reviews.selectors.workspace import officer_workspace
from reviews.services.assessments import assessment_submit, assessments_open, assessments_sweep
from tests.factories import (
    CallFactory,
    CallPartitionFactory,
    CentreFactory,
    CentreMembershipFactory,
    CutOffFactory,
    MembershipFactory,
    PartitionFactory,
    ProgrammeOfficerFactory,
    ProposalFactory,
    ResourceRequestFactory,
    ReviewerFactory,
    SubmittableProposalFactory,
    UserFactory,
    advance,
)

pytestmark = pytest.mark.django_db
S = TechnicalAssessment.Status
W = WaitingOn
URL = "/evaluation/"


@pytest.fixture(autouse=True)
def _staff_without_totp(settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False


@pytest.fixture
def officer_client(client):
    client.force_login(ProgrammeOfficerFactory())
    return client


def _two_centre_proposal(cutoff, bsc, csc):
    call = cutoff.call
    proposal = SubmittableProposalFactory(
        cutoff=cutoff,
        request__offered_partition=CallPartitionFactory(
            call=call, partition=PartitionFactory(centre=bsc)
        ),
    )
    ResourceRequestFactory(
        proposal=proposal,
        offered_partition=CallPartitionFactory(call=call, partition=PartitionFactory(centre=csc)),
        hours=Decimal("15000"),
    )
    return proposal


def _kept(proposal) -> tuple[str, str]:
    proposal.refresh_from_db()
    return proposal.waiting_on, proposal.waiting_for


def _assess(assessment):
    assessment_submit(
        assessment=assessment,
        by=CentreMembershipFactory(centre=assessment.centre).user,
        outcome=TechnicalAssessment.Outcome.FEASIBLE,
        recommended_hours=assessment.request.hours,
    )


def _kept_counts_hold(cutoff) -> None:
    """The kept counts say what counting the proposals says."""
    from django.db.models import Count

    from applications.models import CutOffWaitingCount

    kept = {
        (on, status, who): n
        for on, status, who, n in CutOffWaitingCount.objects.filter(
            cutoff=cutoff, proposal_count__gt=0
        ).values_list("waiting_on", "status", "waiting_for", "proposal_count")
    }
    counted = {
        (on, status, who): n
        for on, status, who, n in Proposal.objects.filter(cutoff=cutoff)
        .exclude(waiting_on=W.NOTHING)
        .values_list("waiting_on", "status", "waiting_for")
        .annotate(n=Count("pk"))
        .order_by()
    }
    assert kept == counted
    assert not CutOffWaitingCount.objects.filter(cutoff=cutoff, proposal_count__lt=0).exists()


def test_what_a_proposal_waits_on_follows_its_evaluation():
    cutoff = CutOffFactory(call=CallFactory(mode=AccessMode.FAST_LANE))
    bsc, csc = CentreFactory(short_name="BSC"), CentreFactory(short_name="CSC")
    proposal = _two_centre_proposal(cutoff, bsc, csc)
    assert _kept(proposal) == (W.NOTHING, "")
    advance(proposal, to=ProposalStatus.SUBMITTED)
    assert _kept(proposal) == (W.ELIGIBILITY, "")
    # Eligible: the assessments are about to open (after commit; opened by hand here).
    advance(proposal, to=ProposalStatus.ELIGIBLE)
    assert _kept(proposal) == (W.ASSESSMENT, "")
    assessments_open(proposal=proposal)
    assert _kept(proposal) == (W.ASSESSMENT, "BSC, CSC")
    _assess(TechnicalAssessment.objects.get(proposal=proposal, centre=bsc))
    assert _kept(proposal) == (W.ASSESSMENT, "CSC")
    # The CSC assessment runs late: the sweep marks it overdue, the proposal says so.
    late = TechnicalAssessment.objects.get(proposal=proposal, centre=csc)
    assessments_sweep(now=late.deadline + timedelta(minutes=1))
    assert _kept(proposal) == (W.ASSESSMENT_OVERDUE, "CSC (overdue)")
    _assess(late)
    assert _kept(proposal) == (W.DECISION, "")
    _kept_counts_hold(cutoff)
    advance(proposal, to=ProposalStatus.WAITLISTED)
    assert _kept(proposal) == (W.DECIDED, "")
    _kept_counts_hold(cutoff)


def test_a_withdrawn_proposal_waits_on_nobody():
    proposal = SubmittableProposalFactory()
    advance(proposal, to=ProposalStatus.SUBMITTED)
    advance(proposal, to=ProposalStatus.WITHDRAWN)
    assert _kept(proposal) == (W.NOTHING, "")
    _kept_counts_hold(proposal.cutoff)


def test_the_refresh_repairs_a_stale_value_and_leaves_the_edit_time_alone():
    proposal = SubmittableProposalFactory()
    advance(proposal, to=ProposalStatus.SUBMITTED)
    edited = Proposal.objects.get(pk=proposal.pk).updated_at
    Proposal.objects.filter(pk=proposal.pk).update(waiting_on=W.DECIDED, updated_at=edited)
    assert proposals_waiting_refresh(proposal_ids=[proposal.pk]) == 1
    assert proposals_waiting_refresh(proposal_ids=[proposal.pk]) == 0
    proposal.refresh_from_db()
    assert proposal.waiting_on == W.ELIGIBILITY
    assert proposal.updated_at == edited


# --- the counters ---------------------------------------------------------------------------


def _bulk(cutoff, n, *, status, waiting_on, waiting_for="", decided=False):
    """Proposals in a state, built directly, then the cut-off's kept figures rebuilt (as for
    data written in bulk)."""
    now = timezone.now()
    built = [
        ProposalFactory(
            cutoff=cutoff,
            status=status,
            waiting_on=waiting_on,
            waiting_for=waiting_for,
            submitted_at=now - timedelta(hours=1),
            decided_at=now if decided else None,
        )
        for _ in range(n)
    ]
    cutoff_counts_rebuild(cutoff=cutoff)
    return built


def test_the_counters_match_hand_built_data(officer_client):
    now = timezone.now()
    call = CallFactory(mode=AccessMode.FAST_LANE, title="Fast Lane for the workspace")
    cutoff = CutOffFactory(call=call, at=now + timedelta(days=3))  # FCFS: evaluated already
    bsc, csc = CentreFactory(short_name="BSC"), CentreFactory(short_name="CSC")
    _bulk(cutoff, 3, status=ProposalStatus.SUBMITTED, waiting_on=W.ELIGIBILITY)
    _bulk(cutoff, 1, status=ProposalStatus.SUBMITTED, waiting_on=W.NOTHING)  # never counted
    # Two in assessment: one waits for both centres, CSC overdue; the other for BSC alone.
    overdue = _two_centre_proposal(cutoff, bsc, csc)
    advance(overdue, to=ProposalStatus.ELIGIBLE)
    assessments_open(proposal=overdue)
    TechnicalAssessment.objects.filter(proposal=overdue, centre=csc).update(status=S.OVERDUE)
    proposals_waiting_refresh(proposal_ids=[overdue.pk])
    on_time = _two_centre_proposal(cutoff, bsc, csc)
    advance(on_time, to=ProposalStatus.ELIGIBLE)
    assessments_open(proposal=on_time)
    _assess(TechnicalAssessment.objects.get(proposal=on_time, centre=csc))
    _kept_counts_hold(cutoff)
    _bulk(cutoff, 2, status=ProposalStatus.IN_REVIEW, waiting_on=W.DECISION)
    _bulk(cutoff, 2, status=ProposalStatus.WAITLISTED, waiting_on=W.DECIDED, decided=True)
    _bulk(cutoff, 1, status=ProposalStatus.REJECTED, waiting_on=W.DECIDED, decided=True)
    # Another call's cut-off, a withdrawn proposal only.
    other = CutOffFactory(call=CallFactory(), at=now - timedelta(days=1))
    _bulk(other, 1, status=ProposalStatus.WITHDRAWN, waiting_on=W.NOTHING)

    response = officer_client.get(URL)
    assert response.status_code == 200
    calls = {c.call.pk: c for c in response.context["calls"]}
    work = calls[call.pk].cutoffs[0]
    assert (work.eligibility, work.assessment, work.overdue, work.decision) == (3, 1, 1, 2)
    assert (work.decided, work.waitlisted) == (3, 2)
    assert [(c.name, c.waiting, c.overdue) for c in work.centres] == [("BSC", 2, 0), ("CSC", 1, 1)]
    assert calls[other.call.pk].cutoffs[0].waiting == 0
    # The call with work comes first.
    assert response.context["calls"][0].call == call
    html = response.content.decode()
    listed = reverse("applications:officer_cutoff", kwargs={"pk": cutoff.pk})
    for name in ("eligibility", "assessment", "overdue", "decision", "decided"):
        assert f'href="{listed}?waiting_on={name}" data-counter="{name}"' in html
    assert f'href="{listed}?status=waitlisted"' in html
    assert '<bdi>CSC</bdi> 1 <span class="text-danger fw-semibold">(1 overdue)</span>' in html


def test_the_counters_link_to_lists_holding_exactly_what_they_count(officer_client):
    cutoff = CutOffFactory(call=CallFactory(mode=AccessMode.FAST_LANE))
    bsc, csc = CentreFactory(short_name="BSC"), CentreFactory(short_name="CSC")
    waiting = _two_centre_proposal(cutoff, bsc, csc)
    advance(waiting, to=ProposalStatus.ELIGIBLE)
    assessments_open(proposal=waiting)
    TechnicalAssessment.objects.filter(proposal=waiting, centre=csc).update(status=S.OVERDUE)
    proposals_waiting_refresh(proposal_ids=[waiting.pk])
    checking = SubmittableProposalFactory(cutoff=cutoff, title="Waiting for its check")
    advance(checking, to=ProposalStatus.SUBMITTED)
    listed = reverse("applications:officer_cutoff", kwargs={"pk": cutoff.pk})

    def refs(query):
        rows = officer_client.get(f"{listed}?{query}").context["proposals"]
        return [(r.pk, r.waiting_on, r.waiting_for) for r in rows]

    assert refs("waiting_on=assessment") == []  # on time only: this one is overdue
    assert refs("waiting_on=overdue") == [(waiting.pk, W.ASSESSMENT_OVERDUE, "BSC, CSC (overdue)")]
    assert refs("waiting_on=eligibility") == [(checking.pk, W.ELIGIBILITY, "")]
    assert refs("waiting_on=decision") == []
    # The column says it in words, overdue centres named.
    html = officer_client.get(listed).content.decode()
    assert "Assessment</span> by <bdi>BSC, CSC (overdue)</bdi>" in html
    assert 'data-waiting="eligibility"' in html and "Eligibility check" in html
    # An unknown value is a clear form error, not a 500 and not a silently full list.
    response = officer_client.get(f"{listed}?waiting_on=everything")
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_the_list_is_in_submission_order(officer_client):
    cutoff = CutOffFactory(call=CallFactory(mode=AccessMode.FAST_LANE))
    now = timezone.now()
    late, early = (
        ProposalFactory(
            cutoff=cutoff,
            status=ProposalStatus.SUBMITTED,
            waiting_on=W.ELIGIBILITY,
            submitted_at=now - timedelta(minutes=minutes),
        )
        for minutes in (1, 30)
    )
    listed = reverse("applications:officer_cutoff", kwargs={"pk": cutoff.pk})
    rows = officer_client.get(f"{listed}?waiting_on=eligibility").context["proposals"]
    assert [r.pk for r in rows] == [early.pk, late.pk]


def test_old_cutoffs_show_only_while_something_waits_there(officer_client):
    now = timezone.now()
    call = CallFactory()
    old_quiet = CutOffFactory(call=call, at=now - timedelta(days=400))
    _bulk(old_quiet, 1, status=ProposalStatus.REJECTED, waiting_on=W.DECIDED, decided=True)
    old_busy = CutOffFactory(call=call, at=now - timedelta(days=300))
    _bulk(old_busy, 1, status=ProposalStatus.IN_REVIEW, waiting_on=W.DECISION)
    next_one = CutOffFactory(call=call, at=now + timedelta(days=10))
    later = CutOffFactory(call=call, at=now + timedelta(days=40))
    shown = {
        w.cutoff.pk for c in officer_workspace(now=now, calendar=_calendar()) for w in c.cutoffs
    }
    assert shown == {old_busy.pk, next_one.pk}
    assert old_quiet.pk not in shown and later.pk not in shown


def _calendar():
    from applications.working_days import working_calendar

    return working_calendar()


# --- who may see it -------------------------------------------------------------------------


def _applicant():
    user = UserFactory()
    MembershipFactory(user=user)
    return user


@pytest.mark.parametrize(
    "make_user",
    [
        _applicant,
        lambda: CentreMembershipFactory().user,
        lambda: CentreMembershipFactory(administrator=True).user,
        ReviewerFactory,
        lambda: get_user_model().objects.create_superuser(
            email="root@example.org", password="x" * 16
        ),
    ],
    ids=["applicant", "assessor", "centre-admin", "reviewer", "superuser-not-officer"],
)
def test_only_programme_officers_reach_the_workspace(client, make_user):
    CutOffFactory()
    client.force_login(make_user())
    assert client.get(URL).status_code == 404
    assert b"Workspace</a>" not in client.get("/").content


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_the_officers_menu_leads_to_the_workspace(officer_client):
    html = officer_client.get("/").content.decode()
    assert f'href="{URL}">Workspace</a>' in html


# --- what it costs --------------------------------------------------------------------------


def _fill(cutoff, n):
    per_state = [
        (ProposalStatus.SUBMITTED, W.ELIGIBILITY),
        (ProposalStatus.ELIGIBLE, W.ASSESSMENT),
        (ProposalStatus.IN_REVIEW, W.ASSESSMENT_OVERDUE),
        (ProposalStatus.IN_REVIEW, W.DECISION),
        (ProposalStatus.WAITLISTED, W.DECIDED),
    ]
    for i in range(n):
        status, waiting_on = per_state[i % len(per_state)]
        _bulk(cutoff, 1, status=status, waiting_on=waiting_on, decided=waiting_on == W.DECIDED)


def test_the_workspace_costs_as_many_queries_for_50_proposals_as_for_1(
    officer_client, django_assert_num_queries
):
    cutoff = CutOffFactory(at=timezone.now() - timedelta(days=2))
    _fill(cutoff, 1)
    officer_client.get(URL)  # warm: session and permission caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        officer_client.get(URL)
    _fill(cutoff, 49)
    with django_assert_num_queries(len(one)):
        response = officer_client.get(URL)
    # 11 eligibility, 10 assessment on time, 10 overdue, 10 decision (9 decided: nobody).
    assert response.context["calls"][0].cutoffs[0].waiting == 41


def test_the_workspace_costs_as_many_queries_for_several_cutoffs_as_for_one(
    officer_client, django_assert_num_queries
):
    now = timezone.now()
    first = CutOffFactory(at=now - timedelta(days=2))
    _fill(first, 5)
    officer_client.get(URL)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        officer_client.get(URL)
    for days in range(3, 8):
        cutoff = CutOffFactory(call=CallFactory(), at=now - timedelta(days=days))
        _fill(cutoff, 5)
    with django_assert_num_queries(len(one)):
        response = officer_client.get(URL)
    assert sum(len(c.cutoffs) for c in response.context["calls"]) == 6


@pytest.mark.django_db(transaction=True)
def test_an_assessment_and_the_overdue_sweep_at_once_leave_the_right_answer(
    require_postgresql, monkeypatch
):
    """BSC submits while the sweep marks CSC overdue. Each refresh reads the proposal under its
    row lock, so the later one sees the earlier one's write: without the lock the sweep would read
    BSC's assessment still open and write "BSC, CSC (overdue)" last. The provider's answer is
    slowed down so that both would read before either commits."""
    import threading
    import time

    from django.db import connections

    from applications import hooks
    from reviews.selectors.waiting import assessment_waiting_refine

    def slow_refine(proposal_ids):
        answer = assessment_waiting_refine(proposal_ids)
        time.sleep(0.5)
        return answer

    monkeypatch.setattr(
        hooks, "_waiting_providers", [hooks.WaitingProvider("technical_assessment", slow_refine)]
    )
    cutoff = CutOffFactory(call=CallFactory(mode=AccessMode.FAST_LANE))
    bsc, csc = CentreFactory(short_name="BSC"), CentreFactory(short_name="CSC")
    proposal = _two_centre_proposal(cutoff, bsc, csc)
    advance(proposal, to=ProposalStatus.ELIGIBLE)
    assessments_open(proposal=proposal)
    at_bsc = TechnicalAssessment.objects.select_related("request", "centre").get(centre=bsc)
    assessor = CentreMembershipFactory(centre=bsc).user
    late = TechnicalAssessment.objects.get(centre=csc)
    TechnicalAssessment.objects.filter(pk=at_bsc.pk).update(
        deadline=late.deadline + timedelta(days=9)
    )
    start = threading.Barrier(2)
    errors = []

    def run(work):
        try:
            start.wait()
            work()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    def submit():
        assessment_submit(
            assessment=at_bsc,
            by=assessor,
            outcome=TechnicalAssessment.Outcome.FEASIBLE,
            recommended_hours=at_bsc.request.hours,
        )

    def sweep():
        time.sleep(0.1)  # BSC's submission reads first
        assessments_sweep(now=late.deadline + timedelta(minutes=1))

    threads = [threading.Thread(target=run, args=(work,)) for work in (submit, sweep)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert _kept(proposal) == (W.ASSESSMENT_OVERDUE, "CSC (overdue)")
    _kept_counts_hold(cutoff)
