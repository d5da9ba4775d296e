"""First-come-first-served decisions: award within the request, the recommendation (unless
overridden with a reason) and the pool; one transaction with the status; waitlisted proposals
that fit again; held mails with the comments to the applicant and never those to the panel."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from allocations.models import Allocation
from allocations.selectors import pool_figures
from allocations.services import pool_hours_set, reservation_release
from applications.models import CutOffPool, Proposal, ProposalStatus
from applications.services.calls import cutoff_pools_set
from applications.services.decision_mails import cutoff_mail_batch
from portal.models import Activity, Notification
from portal.services.notifications import notifications_release
from reviews.selectors.decisions import waitlisted_that_fit
from reviews.services.decisions import (
    proposal_award,
    proposal_reject,
    proposal_waitlist,
    reservation_reference,
)
from tests.factories import (
    CentreMembershipFactory,
    ProgrammeOfficerFactory,
    ReviewerFactory,
    UserFactory,
)
from tests.reviews.decision_world import PANEL_SECRET, TO_APPLICANT, fcfs_cutoff, ready_proposal

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer():
    return ProgrammeOfficerFactory()


def free(link) -> Decimal:
    return pool_figures([link.pool])[link.pool_id].free


def request_pk(proposal, n=0):
    return list(proposal.requests.order_by("pk").values_list("pk", flat=True))[n]


def test_an_award_reserves_the_hours_per_request_and_holds_the_mail(officer):
    cutoff, links = fcfs_cutoff(partitions=2)
    proposal = ready_proposal(
        cutoff, links, hours=(Decimal(20_000), Decimal(15_000)), recommended=(18_000, 15_000)
    )
    first, second = request_pk(proposal, 0), request_pk(proposal, 1)
    held = proposal_award(proposal=proposal, by=officer, hours={first: 18_000, second: "12000"})
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.AWARDED
    assert sorted(a.hours for a in held) == [Decimal(12_000), Decimal(18_000)]
    assert {a.reference for a in held} == {
        f"{proposal.reference}-R{first}",
        f"{proposal.reference}-R{second}",
    }
    assert all(a.holder_id == proposal.organisation_id for a in held)
    assert free(links[0]) == Decimal(82_000) and free(links[1]) == Decimal(88_000)
    mails = Notification.objects.filter(batch=cutoff_mail_batch(cutoff))
    assert mails.count() == 1  # the team is its creator
    mail = mails.get()
    assert mail.status == Notification.Status.HELD
    assert "18,000" in mail.body_text and "12,000" in mail.body_text
    assert "you asked for 15,000" in mail.body_text
    assert TO_APPLICANT in mail.body_text
    assert PANEL_SECRET not in mail.body_text + mail.body_html


@pytest.mark.parametrize(
    ("hours", "field", "message"),
    [
        (0, "hours_{pk}", "more than 0 hours"),
        (-5, "hours_{pk}", "more than 0 hours"),
        ("1.5", "hours_{pk}", "whole hours"),
        ("lots", "hours_{pk}", "whole number"),
        (25_000, "hours_{pk}", "at most the 20,000 hours requested"),
        (19_000, "override_{pk}", "more than the 18,000 the centre recommends"),
    ],
)
def test_an_award_outside_the_limits_is_refused_and_changes_nothing(officer, hours, field, message):
    cutoff, links = fcfs_cutoff()
    proposal = ready_proposal(cutoff, links, recommended=18_000)
    pk = request_pk(proposal)
    with pytest.raises(ValidationError) as refused:
        proposal_award(proposal=proposal, by=officer, hours={pk: hours})
    assert message in " ".join(refused.value.message_dict[field.format(pk=pk)])
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.IN_REVIEW
    assert not Allocation.objects.exists()
    assert not Notification.objects.filter(batch=cutoff_mail_batch(cutoff)).exists()


def test_an_award_needs_hours_on_some_request_of_the_proposal(officer):
    cutoff, links = fcfs_cutoff()
    proposal = ready_proposal(cutoff, links)
    with pytest.raises(ValidationError, match="at least one request"):
        proposal_award(proposal=proposal, by=officer, hours={})
    with pytest.raises(ValidationError, match="not one of this proposal's requests"):
        proposal_award(proposal=proposal, by=officer, hours={999_999: 100})


def test_an_override_above_the_recommendation_needs_a_reason_and_is_recorded_for_staff(officer):
    cutoff, links = fcfs_cutoff()
    proposal = ready_proposal(cutoff, links, recommended=18_000)
    pk = request_pk(proposal)
    with pytest.raises(ValidationError, match="characters"):
        proposal_award(
            proposal=proposal, by=officer, hours={pk: 20_000}, overrides={pk: "x" * 2001}
        )
    proposal_award(
        proposal=proposal,
        by=officer,
        hours={pk: 20_000},
        overrides={pk: "The centre confirmed by phone that the full amount fits."},
    )
    entry = Activity.objects.get(verb="decision.override")
    assert entry.audience == "staff"
    assert entry.data["reason"] == "The centre confirmed by phone that the full amount fits."
    assert (entry.data["recommended"], entry.data["hours"]) == ("18000", "20000")
    assert Allocation.objects.get().hours == 20_000


def test_not_enough_hours_on_one_request_reserves_nothing_and_keeps_the_status(officer):
    cutoff, links = fcfs_cutoff(partitions=2, pool_hours=Decimal(30_000))
    proposal = ready_proposal(cutoff, links, hours=(Decimal(20_000), Decimal(20_000)))
    other = ready_proposal(cutoff, links[1:], hours=(Decimal(20_000),))
    proposal_award(proposal=other, by=officer, hours={request_pk(other): 20_000})
    # The first pool has room, the second only 10,000: nothing of the first is kept either.
    with pytest.raises(ValidationError, match="Not enough hours left in Spring pool B") as refused:
        proposal_award(
            proposal=proposal,
            by=officer,
            hours={request_pk(proposal, 0): 20_000, request_pk(proposal, 1): 20_000},
        )
    assert refused.value.error_list[0].code == "not_enough_hours"
    assert "10,000" in refused.value.messages[0]
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.IN_REVIEW
    assert Allocation.objects.count() == 1
    assert free(links[0]) == Decimal(30_000)
    assert not Activity.objects.filter(verb="proposal.award", object_id=str(proposal.pk)).exists()


def test_a_partition_without_a_pool_at_the_cutoff_is_a_clear_error(officer):
    cutoff, links = fcfs_cutoff()
    proposal = ready_proposal(cutoff, links)
    CutOffPool.objects.filter(cutoff=cutoff).delete()
    with pytest.raises(ValidationError, match="no capacity pool for"):
        proposal_award(proposal=proposal, by=officer, hours={request_pk(proposal): 1000})


def test_a_decision_waits_for_every_assessment(officer):
    cutoff, links = fcfs_cutoff()
    proposal = ready_proposal(cutoff, links, assess=False)
    with pytest.raises(ValidationError, match="every centre has assessed"):
        proposal_award(proposal=proposal, by=officer, hours={request_pk(proposal): 1000})
    assert not Allocation.objects.exists()


@pytest.mark.parametrize(
    "who",
    ["applicant", "assessor", "reviewer", "superuser", "nobody"],
)
def test_only_a_programme_officer_decides(who):
    cutoff, links = fcfs_cutoff()
    proposal = ready_proposal(cutoff, links)
    person = {
        "applicant": lambda: proposal.created_by,
        "assessor": lambda: (
            CentreMembershipFactory(centre=links[0].offered_partition.partition.centre).user
        ),
        "reviewer": ReviewerFactory,
        "superuser": lambda: UserFactory(is_superuser=True, is_staff=True),
        "nobody": lambda: None,
    }[who]()
    for decide in (
        lambda: proposal_award(proposal=proposal, by=person, hours={request_pk(proposal): 100}),
        lambda: proposal_waitlist(proposal=proposal, by=person),
        lambda: proposal_reject(proposal=proposal, by=person, reason="No."),
    ):
        with pytest.raises(PermissionDenied):
            decide()
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.IN_REVIEW
    assert not Allocation.objects.exists()


def test_a_rejection_needs_a_reason_and_mails_the_comments_to_the_applicant_only(officer):
    cutoff, links = fcfs_cutoff()
    proposal = ready_proposal(cutoff, links)
    with pytest.raises(ValidationError) as refused:
        proposal_reject(proposal=proposal, by=officer, reason="  ")
    assert "reason" in refused.value.message_dict
    proposal_reject(proposal=proposal, by=officer, reason="The work plan is not feasible yet.")
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.REJECTED
    mail = Notification.objects.get(batch=cutoff_mail_batch(cutoff))
    assert mail.status == Notification.Status.HELD
    assert "The work plan is not feasible yet." in mail.body_text
    assert TO_APPLICANT in mail.body_text and TO_APPLICANT in mail.body_html
    assert PANEL_SECRET not in mail.body_text + mail.body_html + mail.subject


def test_held_mails_go_out_only_when_released(
    officer, mailoutbox, django_capture_on_commit_callbacks
):
    cutoff, links = fcfs_cutoff()
    proposal = ready_proposal(cutoff, links)
    with django_capture_on_commit_callbacks(execute=True):
        proposal_reject(proposal=proposal, by=officer, reason="Not this time.")
    assert mailoutbox == []
    with django_capture_on_commit_callbacks(execute=True):
        notifications_release(by=officer, batch=cutoff_mail_batch(cutoff))
    assert len(mailoutbox) == 1
    sent = mailoutbox[0]
    assert TO_APPLICANT in sent.body and PANEL_SECRET not in sent.body
    assert sent.to == [proposal.created_by.email]


def test_waitlisted_proposals_that_fit_again_are_listed_in_submission_order(officer):
    cutoff, links = fcfs_cutoff(pool_hours=Decimal(50_000))
    first = ready_proposal(cutoff, links, hours=(Decimal(40_000),))
    later = [ready_proposal(cutoff, links, hours=(Decimal(h),)) for h in (20_000, 10_000, 15_000)]
    proposal_award(proposal=first, by=officer, hours={request_pk(first): 40_000})
    for proposal in later:
        proposal_waitlist(proposal=proposal, by=officer, reason="The pool is nearly full.")
    # 10,000 free: only the 10,000-hour proposal fits.
    assert waitlisted_that_fit(cutoff) == [later[1]]
    reservation_release(
        reference=reservation_reference(first, first.requests.get()),
        by=officer,
        reason="Award declined.",
    )
    assert [p.pk for p in waitlisted_that_fit(cutoff)] == [p.pk for p in later]
    # A waitlisted proposal is awarded later; its mail replaces the held waitlist mail.
    proposal_award(proposal=later[0], by=officer, hours={request_pk(later[0]): 20_000})
    assert Proposal.objects.get(pk=later[0].pk).status == ProposalStatus.AWARDED
    mails = Notification.objects.filter(
        batch=cutoff_mail_batch(cutoff), idempotency_key__startswith=f"decision-mail:{later[0].pk}:"
    )
    assert [m.status for m in mails.order_by("pk")] == ["discarded", "held"]
    assert "Hours awarded" in mails.order_by("pk").last().subject
    # The others can still be rejected from the waiting list.
    proposal_reject(proposal=later[2], by=officer, reason="Capacity went to earlier proposals.")
    assert waitlisted_that_fit(cutoff) == [later[1]]


def test_a_pool_is_never_set_below_what_it_holds(officer):
    cutoff, links = fcfs_cutoff(pool_hours=Decimal(50_000))
    proposal = ready_proposal(cutoff, links, hours=(Decimal(40_000),))
    proposal_award(proposal=proposal, by=officer, hours={request_pk(proposal): 40_000})
    key = (cutoff.pk, links[0].offered_partition_id)
    with pytest.raises(ValidationError) as refused:
        cutoff_pools_set(call=cutoff.call, by=officer, hours={key: Decimal(30_000)})
    assert "cannot have fewer hours" in refused.value.message_dict[f"pool_{key[0]}_{key[1]}"][0]
    links[0].pool.refresh_from_db()
    assert links[0].pool.hours == 50_000
    cutoff_pools_set(call=cutoff.call, by=officer, hours={key: Decimal(40_000)})
    assert pool_hours_set(pool=links[0].pool, hours=Decimal(40_000), by=officer).hours == 40_000


@pytest.mark.parametrize(
    ("mode", "status"),
    [("fast_lane", ProposalStatus.IN_REVIEW), ("large_scale", ProposalStatus.ELIGIBLE)],
)
def test_eligibility_takes_a_first_come_proposal_into_technical_assessment(
    mode, status, django_capture_on_commit_callbacks
):
    from tests.factories import CallFactory, CutOffFactory, SubmittableProposalFactory, advance

    proposal = SubmittableProposalFactory(
        cutoff=CutOffFactory(call=CallFactory(mode=mode)),
        request__hours=Decimal(60_000 if mode == "large_scale" else 20_000),
    )
    advance(proposal, to=ProposalStatus.SUBMITTED)
    with django_capture_on_commit_callbacks(execute=True):
        advance(Proposal.objects.get(pk=proposal.pk), to=ProposalStatus.ELIGIBLE)
    stored = Proposal.objects.get(pk=proposal.pk)
    assert stored.status == status
    assert stored.technical_assessments.count() == 1  # opened on both paths
