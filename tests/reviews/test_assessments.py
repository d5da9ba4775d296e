"""Technical assessment: opened on eligibility, one per request; the centre's assessors submit;
a decision waits for every centre; the periodic sweep reminds and marks overdue."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings

from applications.models import Proposal, ProposalStatus
from applications.services.proposals import proposal_transition
from portal.models import Activity, Notification
from reviews.models import AssessmentSettings, TechnicalAssessment
from reviews.services.assessments import (
    assessment_deadline,
    assessment_submit,
    assessments_sweep,
    proposal_assessed,
)
from tests.factories import (
    CallFactory,
    CallPartitionFactory,
    CentreFactory,
    CentreMembershipFactory,
    CutOffFactory,
    PartitionFactory,
    ProgrammeOfficerFactory,
    ResourceRequestFactory,
    SubmittableProposalFactory,
    advance,
)

pytestmark = pytest.mark.django_db
LUX = ZoneInfo("Europe/Luxembourg")
Out = TechnicalAssessment.Outcome


def two_centre_proposal():
    """A proposal asking for hours at two centres (two partitions of the first)."""
    call = CallFactory()
    bsc, csc = CentreFactory(short_name="BSC"), CentreFactory(short_name="CSC")
    proposal = SubmittableProposalFactory(
        cutoff=CutOffFactory(call=call),
        request__offered_partition=CallPartitionFactory(
            call=call, partition=PartitionFactory(centre=bsc)
        ),
    )
    ResourceRequestFactory(
        proposal=proposal,
        offered_partition=CallPartitionFactory(
            call=call, partition=PartitionFactory(centre=bsc, name="CPU", cpu=True)
        ),
        hours=Decimal("15000"),
    )
    ResourceRequestFactory(
        proposal=proposal,
        offered_partition=CallPartitionFactory(call=call, partition=PartitionFactory(centre=csc)),
    )
    return proposal, bsc, csc


def eligible(proposal, capture):
    proposal.refresh_from_db()
    with capture(execute=True):
        return advance(proposal, to=ProposalStatus.ELIGIBLE)


def test_eligibility_opens_one_assessment_per_request_for_its_centre(
    django_capture_on_commit_callbacks,
):
    proposal, bsc, csc = two_centre_proposal()
    advance(proposal, to=ProposalStatus.SUBMITTED)
    assert not TechnicalAssessment.objects.exists()
    eligible(proposal, django_capture_on_commit_callbacks)
    rows = TechnicalAssessment.objects.filter(proposal=proposal)
    assert sorted((a.request_id, a.centre.short_name) for a in rows) == sorted(
        (r.pk, r.offered_partition.partition.centre.short_name) for r in proposal.requests.all()
    )
    assert {a.status for a in rows} == {TechnicalAssessment.Status.OPEN}
    assert not proposal_assessed(proposal)
    # The sweep repairs nothing that is there: opening is idempotent.
    assert assessments_sweep().opened == 0
    assert rows.count() == 3
    assert Activity.objects.filter(verb="assessment.open", audience="staff").count() == 3


def test_a_missed_opening_is_repaired_by_the_sweep():
    proposal, *_ = two_centre_proposal()
    advance(proposal, to=ProposalStatus.ELIGIBLE)  # on-commit receivers do not run here
    assert not TechnicalAssessment.objects.exists()
    assert assessments_sweep().opened == 3


def test_the_deadline_counts_working_days_from_eligibility():
    # Friday 27 Nov 2026 at 15:00: day 1 is Monday 30 Nov; 5 working days end on Friday 4 Dec.
    start = datetime(2026, 11, 27, 15, 0, tzinfo=LUX)
    assert assessment_deadline(start=start, working_days=5) == datetime(
        2026, 12, 4, 17, 0, tzinfo=LUX
    )
    # Christmas and St Stephen's day (Luxembourg public holidays) do not count.
    start = datetime(2026, 12, 23, 9, 0, tzinfo=LUX)
    assert assessment_deadline(start=start, working_days=2) == datetime(
        2026, 12, 28, 17, 0, tzinfo=LUX
    )


def test_the_calls_setting_gives_the_working_days(django_capture_on_commit_callbacks):
    proposal, *_ = two_centre_proposal()
    AssessmentSettings.objects.create(call=proposal.call, working_days=2)
    with time_machine.travel(datetime(2026, 11, 27, 15, 0, tzinfo=LUX), tick=False):
        advance(proposal, to=ProposalStatus.SUBMITTED)
        eligible(proposal, django_capture_on_commit_callbacks)
    deadlines = set(TechnicalAssessment.objects.values_list("deadline", flat=True))
    assert deadlines == {datetime(2026, 12, 1, 17, 0, tzinfo=LUX)}


def test_only_the_centres_assessor_submits_and_hours_stay_within_the_request(
    django_capture_on_commit_callbacks,
):
    proposal, bsc, csc = two_centre_proposal()
    eligible(proposal, django_capture_on_commit_callbacks)
    at_csc = TechnicalAssessment.objects.get(proposal=proposal, centre=csc)
    bsc_assessor = CentreMembershipFactory(centre=bsc).user
    with pytest.raises(PermissionDenied):
        assessment_submit(
            assessment=at_csc, by=bsc_assessor, outcome=Out.FEASIBLE, recommended_hours=1
        )
    with pytest.raises(PermissionDenied):
        assessment_submit(
            assessment=at_csc,
            by=ProgrammeOfficerFactory(),
            outcome=Out.FEASIBLE,
            recommended_hours=1,
        )
    csc_assessor = CentreMembershipFactory(centre=csc).user
    with pytest.raises(ValidationError) as refused:
        assessment_submit(
            assessment=at_csc, by=csc_assessor, outcome=Out.FEASIBLE, recommended_hours=20001
        )
    assert "at most the 20,000 hours requested" in str(refused.value.message_dict)
    with pytest.raises(ValidationError, match="Choose feasible"):
        assessment_submit(assessment=at_csc, by=csc_assessor, outcome="maybe", recommended_hours=1)
    at_csc.refresh_from_db()
    assert at_csc.status == TechnicalAssessment.Status.OPEN
    done = assessment_submit(
        assessment=at_csc,
        by=csc_assessor,
        outcome=Out.FEASIBLE_WITH_CHANGES,
        recommended_hours=20000,
        comment_to_applicant="Use checkpoints every hour.",
        comment_to_panel="Queue times are long in December.",
    )
    assert done.status == TechnicalAssessment.Status.SUBMITTED
    assert done.submitted_by == csc_assessor
    with pytest.raises(ValidationError, match="already submitted"):
        assessment_submit(
            assessment=at_csc, by=csc_assessor, outcome=Out.FEASIBLE, recommended_hours=1
        )
    entry = Activity.objects.get(verb="assessment.submit")
    assert entry.audience == "staff"


def test_a_comment_over_the_size_limit_is_refused(django_capture_on_commit_callbacks):
    proposal, bsc, csc = two_centre_proposal()
    eligible(proposal, django_capture_on_commit_callbacks)
    at_csc = TechnicalAssessment.objects.get(proposal=proposal, centre=csc)
    with pytest.raises(ValidationError) as refused:
        assessment_submit(
            assessment=at_csc,
            by=CentreMembershipFactory(centre=csc).user,
            outcome=Out.FEASIBLE,
            recommended_hours=1,
            comment_to_panel="x" * 5001,
        )
    assert "comment_to_panel" in refused.value.message_dict
    assert TechnicalAssessment.objects.get(pk=at_csc.pk).status == TechnicalAssessment.Status.OPEN


def test_a_decision_waits_until_every_centre_has_assessed(django_capture_on_commit_callbacks):
    proposal, bsc, csc = two_centre_proposal()
    eligible(proposal, django_capture_on_commit_callbacks)
    officer = ProgrammeOfficerFactory()
    # First come, first served: the portal started the technical assessment itself.
    proposal = Proposal.objects.get(pk=proposal.pk)
    assert proposal.status == ProposalStatus.IN_REVIEW
    assert Activity.objects.get(verb="proposal.start_review").actor is None
    for assessment in TechnicalAssessment.objects.filter(centre=bsc):
        assessment_submit(
            assessment=assessment,
            by=CentreMembershipFactory(centre=bsc).user,
            outcome=Out.FEASIBLE,
            recommended_hours=1000,
        )
    for action in ("award", "waitlist", "reject"):
        with pytest.raises(ValidationError, match="waiting for CSC"):
            proposal_transition(proposal=proposal, action=action, by=officer)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.IN_REVIEW
    assessment_submit(
        assessment=TechnicalAssessment.objects.get(centre=csc),
        by=CentreMembershipFactory(centre=csc).user,
        outcome=Out.NOT_FEASIBLE,
        recommended_hours=None,
    )
    assert proposal_assessed(proposal)
    assert proposal_transition(proposal=proposal, action="award", by=officer).status == "awarded"


@override_settings(PORTAL_PROGRAMME_TIME_ZONE="Europe/Luxembourg")
def test_the_sweep_reminds_once_before_the_deadline_and_marks_overdue_after_it(
    django_capture_on_commit_callbacks,
):
    proposal, bsc, csc = two_centre_proposal()
    assessors = [CentreMembershipFactory(centre=csc).user for _ in range(2)]
    CentreMembershipFactory(centre=bsc)
    with time_machine.travel(datetime(2026, 11, 27, 15, 0, tzinfo=LUX), tick=False):
        advance(proposal, to=ProposalStatus.SUBMITTED)
        eligible(proposal, django_capture_on_commit_callbacks)
    for assessment in TechnicalAssessment.objects.filter(centre=bsc):
        assessment_submit(
            assessment=assessment,
            by=CentreMembershipFactory(centre=bsc).user,
            outcome=Out.FEASIBLE,
            recommended_hours=1000,
        )
    late_pk = TechnicalAssessment.objects.get(centre=csc).pk
    # Due Friday 4 Dec 17:00. On Thursday at 16:00 it is not yet a day away.
    with time_machine.travel(datetime(2026, 12, 3, 16, 0, tzinfo=LUX), tick=False):
        assert assessments_sweep().reminded == 0
    with time_machine.travel(datetime(2026, 12, 3, 17, 30, tzinfo=LUX), tick=False):
        result = assessments_sweep()
        assert (result.reminded, result.overdue) == (1, 0)
        assert assessments_sweep().reminded == 0  # once only
    mails = Notification.objects.filter(template="assessment_reminder")
    assert sorted(m.recipient_id for m in mails) == sorted(a.pk for a in assessors)
    assert "due by 4 Dec 2026, 17:00" in mails[0].body_text
    assert f"/evaluation/assessments/{late_pk}/" in mails[0].body_text
    with time_machine.travel(datetime(2026, 12, 4, 16, 59, tzinfo=LUX), tick=False):
        assert assessments_sweep().overdue == 0
    with time_machine.travel(datetime(2026, 12, 4, 17, 1, tzinfo=LUX), tick=False):
        assert assessments_sweep().overdue == 1
        assert assessments_sweep().overdue == 0
    late = TechnicalAssessment.objects.get(centre=csc)
    assert late.status == TechnicalAssessment.Status.OVERDUE
    # An overdue assessment can still be submitted; the decision waits for it.
    assessment_submit(
        assessment=late, by=assessors[0], outcome=Out.FEASIBLE, recommended_hours=20000
    )
    assert proposal_assessed(proposal)


def test_the_periodic_task_is_declared_and_calls_the_sweep(settings):
    from reviews.tasks import sweep_technical_assessments

    declared = [s["task"] for s in settings.PORTAL_PERIODIC_TASKS.values()]
    assert "reviews.tasks.sweep_technical_assessments" in declared
    assert sweep_technical_assessments() == {"opened": 0, "reminded": 0, "overdue": 0}


def test_a_failed_opening_does_not_fail_the_officers_request(
    monkeypatch, django_capture_on_commit_callbacks, caplog
):
    proposal, *_ = two_centre_proposal()

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr("reviews.services.assessments.assessments_open", broken)
    done = eligible(proposal, django_capture_on_commit_callbacks)
    assert done.status == ProposalStatus.ELIGIBLE
    assert "not opened; the sweep retries" in caplog.text
    monkeypatch.undo()
    assert assessments_sweep().opened == 3
