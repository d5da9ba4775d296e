"""The one door for proposal state changes (applications.services.proposals.transitions).

Table-driven over both evaluation paths: every (state, action, actor) the table allows succeeds
through the door with exactly one activity entry; every other combination is refused with a clear
error and changes nothing.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from applications.hooks import (
    proposal_transitioned,
    transition_guard_register,
    transition_guard_unregister,
)
from applications.models import CutOff, CutOffDemand, Proposal, ProposalStatus
from applications.modes import AccessMode
from applications.services.proposals import proposal_transition
from applications.workflow import FCFS, PEER_REVIEW, Actor
from portal.models import Activity, Notification
from tests.factories import (
    CallFactory,
    CentreMembershipFactory,
    CutOffFactory,
    ProgrammeOfficerFactory,
    ReviewerFactory,
    SubmittableProposalFactory,
    reviews_all_submitted,
)

pytestmark = pytest.mark.django_db

PATHS = {
    FCFS.path: (FCFS, AccessMode.FAST_LANE),
    PEER_REVIEW.path: (PEER_REVIEW, AccessMode.LARGE_SCALE),
}
CASES = [(path, status) for path, (wf, _) in PATHS.items() for status in wf.statuses]
EVERY_ACTION = sorted(
    {t.action for wf, _ in PATHS.values() for p in wf.phases.values() for t in p.transitions}
)


class _Undo(Exception):
    """Rolls back a successful transition so the next combination starts from the same state."""


def _proposal_in(status: str, mode: str) -> Proposal:
    """A proposal put straight into `status` (the state under test is the input here)."""
    call = CallFactory(mode=mode, right_of_reply=True)
    proposal = SubmittableProposalFactory(cutoff=CutOffFactory(call=call))
    if status != ProposalStatus.DRAFT:
        Proposal.objects.filter(pk=proposal.pk).update(
            status=status, submitted_at=timezone.now(), reference=f"AIF-T-{proposal.pk:05d}"
        )
    proposal = Proposal.objects.get(pk=proposal.pk)
    if status == ProposalStatus.IN_REVIEW and mode == AccessMode.LARGE_SCALE:
        # Neither the reply nor the panel before the reviews are in (reviews' guard).
        reviews_all_submitted(proposal)
    return proposal


def _people(proposal: Proposal) -> dict[str, object]:
    centre = proposal.requests.get().offered_partition.partition.centre
    return {
        Actor.APPLICANT: proposal.created_by,
        Actor.PROGRAMME_OFFICER: ProgrammeOfficerFactory(),
        Actor.TECHNICAL_ASSESSOR: CentreMembershipFactory(centre=centre).user,
        Actor.REVIEWER: ReviewerFactory(),
        Actor.SYSTEM: None,
    }


@pytest.mark.parametrize(("path", "status"), CASES)
def test_the_door_does_what_the_table_allows_and_refuses_everything_else(path, status):
    workflow, mode = PATHS[path]
    proposal = _proposal_in(status, mode)
    people = _people(proposal)
    allowed_seen = 0
    for action in EVERY_ACTION:
        for actor, person in people.items():
            allowed = workflow.transition(status, action, actor=actor, call=proposal.call)
            before = proposal_state(proposal)
            activities = Activity.objects.count()
            mails = Notification.objects.count()
            try:
                with transaction.atomic():
                    result = proposal_transition(
                        proposal=proposal, action=action, by=person, reason="A reason."
                    )
                    assert allowed is not None, f"{status}/{action}/{actor} went through"
                    stored = Proposal.objects.get(pk=proposal.pk)
                    assert stored.status == result.status == allowed.target
                    assert stored.version == before["version"] + 1
                    decided = workflow.phase(allowed.target).is_decided
                    assert (stored.decided_at is not None) == decided
                    assert Activity.objects.count() == activities + 1
                    entry = Activity.objects.latest("id")
                    assert entry.verb == f"proposal.{action}"
                    assert (entry.from_state, entry.to_state) == (status, allowed.target)
                    raise _Undo
            except _Undo:
                allowed_seen += 1
            except (PermissionDenied, ValidationError) as refusal:
                assert allowed is None, f"{status}/{action}/{actor} refused: {refusal}"
                message = " ".join(getattr(refusal, "messages", [str(refusal)]))
                assert len(message) > 20, message
                assert proposal_state(proposal) == before
                assert Activity.objects.count() == activities
                assert Notification.objects.count() == mails
    expected = sum(
        1
        for action in EVERY_ACTION
        for actor in people
        if workflow.transition(status, action, actor=actor, call=proposal.call)
    )
    assert allowed_seen == expected


def proposal_state(proposal: Proposal) -> dict:
    return Proposal.objects.filter(pk=proposal.pk).values(
        "status", "version", "decided_at", "withdrawn_at", "last_edited_by"
    )[0]


def test_a_refusal_says_who_may_and_what_the_state_allows():
    proposal = _proposal_in(ProposalStatus.SUBMITTED, AccessMode.FAST_LANE)
    with pytest.raises(PermissionDenied, match="Only the programme officer can do this"):
        proposal_transition(proposal=proposal, action="declare_eligible", by=proposal.created_by)
    with pytest.raises(ValidationError, match="submitted cannot be changed that way"):
        proposal_transition(proposal=proposal, action="award", by=ProgrammeOfficerFactory())
    with pytest.raises(PermissionDenied, match="cannot see this proposal"):
        proposal_transition(proposal=proposal, action="withdraw", by=ReviewerFactory())


def test_the_target_comes_from_the_table_not_the_caller():
    proposal = _proposal_in(ProposalStatus.SUBMITTED, AccessMode.FAST_LANE)
    with pytest.raises(ValueError, match="set by the door only"):
        proposal_transition(
            proposal=proposal,
            action="declare_eligible",
            by=ProgrammeOfficerFactory(),
            changes={"status": ProposalStatus.AWARDED},
        )
    done = proposal_transition(
        proposal=proposal, action="declare_eligible", by=ProgrammeOfficerFactory(), status="awarded"
    )
    assert done.status == ProposalStatus.ELIGIBLE  # "status" was a mere detail for the log
    assert done.decided_at is None


def test_a_registered_guard_vetoes_with_its_message_and_nothing_changes():
    proposal = _proposal_in(ProposalStatus.IN_REVIEW, AccessMode.FAST_LANE)
    officer = ProgrammeOfficerFactory()

    def every_centre_assessed(*, proposal, transition, actors, by, details):
        return "Decide only when every centre has assessed the requests."

    transition_guard_register(every_centre_assessed, actions=["award"])
    try:
        with pytest.raises(ValidationError, match="every centre has assessed"):
            proposal_transition(proposal=proposal, action="award", by=officer)
        assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.IN_REVIEW
        assert not Activity.objects.filter(verb="proposal.award").exists()
        # Guards for other actions are not asked.
        assert proposal_transition(proposal=proposal, action="reject", by=officer).decided_at
    finally:
        transition_guard_unregister(every_centre_assessed)


def test_the_signal_comes_after_commit_and_never_for_a_rollback(django_capture_on_commit_callbacks):
    proposal = _proposal_in(ProposalStatus.SUBMITTED, AccessMode.FAST_LANE)
    officer = ProgrammeOfficerFactory()
    heard = []

    def listener(sender, proposal, transition, from_status, **kwargs):
        heard.append((proposal.pk, from_status, transition.target))

    proposal_transitioned.connect(listener)
    try:
        with (
            django_capture_on_commit_callbacks(execute=True),
            pytest.raises(RuntimeError),
            transaction.atomic(),
        ):
            proposal_transition(proposal=proposal, action="declare_eligible", by=officer)
            raise RuntimeError("rolled back")
        assert heard == []
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            proposal_transition(proposal=proposal, action="declare_eligible", by=officer)
        assert heard == []  # not before the commit
        for callback in callbacks:
            callback()
        assert heard == [(proposal.pk, ProposalStatus.SUBMITTED, ProposalStatus.ELIGIBLE)]
    finally:
        proposal_transitioned.disconnect(listener)


def test_the_kept_cutoff_figures_follow_every_transition():
    proposal = _proposal_in(ProposalStatus.DRAFT, AccessMode.FAST_LANE)
    officer = ProgrammeOfficerFactory()
    cutoff = proposal.cutoff
    proposal_transition(proposal=proposal, action="submit", by=proposal.created_by)
    assert CutOff.objects.get(pk=cutoff.pk).submitted_count == 1
    demand = CutOffDemand.objects.get(cutoff=cutoff)
    assert demand.proposal_count == 1
    proposal_transition(proposal=proposal, action="declare_ineligible", by=officer, reason="No.")
    demand.refresh_from_db()
    assert demand.proposal_count == 0  # an ineligible proposal's hours are no demand
    assert CutOff.objects.get(pk=cutoff.pk).submitted_count == 1


def test_staff_decisions_reach_the_team_without_naming_the_officer():
    proposal = _proposal_in(ProposalStatus.SUBMITTED, AccessMode.FAST_LANE)
    officer = ProgrammeOfficerFactory(first_name="Olga", last_name="Offizierin")
    proposal_transition(proposal=proposal, action="declare_eligible", by=officer)
    entry = Activity.objects.get(verb="proposal.declare_eligible")
    assert entry.audience == "applicant"
    from applications.selectors.proposals import proposal_timeline

    texts = [e.text for e in proposal_timeline(proposal=proposal)]
    assert texts == ["The programme office found the proposal eligible"]
    assert not Notification.objects.filter(body_text__contains="Offizierin").exists()


def test_the_portal_starts_the_technical_assessment_on_the_first_come_path_only():
    assert FCFS.can(ProposalStatus.ELIGIBLE, "start_review", actor=Actor.SYSTEM)
    assert not PEER_REVIEW.can(ProposalStatus.ELIGIBLE, "start_review", actor=Actor.SYSTEM)
    fcfs = _proposal_in(ProposalStatus.ELIGIBLE, AccessMode.FAST_LANE)
    assert proposal_transition(proposal=fcfs, action="start_review", by=None).status == (
        ProposalStatus.IN_REVIEW
    )
    peer = _proposal_in(ProposalStatus.ELIGIBLE, AccessMode.LARGE_SCALE)
    with pytest.raises(PermissionDenied, match="Only the programme officer"):
        proposal_transition(proposal=peer, action="start_review", by=None)
    assert Proposal.objects.get(pk=peer.pk).status == ProposalStatus.ELIGIBLE
