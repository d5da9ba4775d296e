"""The evaluation paths as data: what each mode's proposals go through, and who moves them."""

from applications.models import ProposalStatus as S
from applications.modes import AccessMode
from applications.workflow import (
    Actor,
    demand_statuses,
    open_statuses,
    workflow_for_mode,
)


def test_fast_lane_and_playground_skip_peer_review_and_panel():
    for mode in (AccessMode.PLAYGROUND, AccessMode.FAST_LANE):
        wf = workflow_for_mode(mode)
        assert S.IN_PANEL not in wf.statuses
        assert S.IN_REPLY not in wf.statuses
        assert wf.phase(S.IN_REVIEW).staff_label == "Technical assessment"
        targets = {t.target for t in wf.transitions_from(S.IN_REVIEW)}
        assert {S.AWARDED, S.WAITLISTED, S.REJECTED} <= targets


def test_large_scale_goes_through_review_and_panel():
    wf = workflow_for_mode(AccessMode.LARGE_SCALE)
    assert [p.status for p in wf.route_phases()][:6] == [
        S.DRAFT,
        S.SUBMITTED,
        S.ELIGIBLE,
        S.IN_REVIEW,
        S.IN_REPLY,
        S.IN_PANEL,
    ]
    assert not wf.can(S.IN_REVIEW, "award", actor=Actor.PROGRAMME_OFFICER)
    assert wf.can(S.IN_PANEL, "award", actor=Actor.PROGRAMME_OFFICER)


def test_only_the_applicant_submits_and_only_from_a_draft():
    wf = workflow_for_mode(AccessMode.FAST_LANE)
    assert wf.can(S.DRAFT, "submit", actor=Actor.APPLICANT)
    assert not wf.can(S.DRAFT, "submit", actor=Actor.PROGRAMME_OFFICER)
    assert not wf.can(S.SUBMITTED, "submit", actor=Actor.APPLICANT)
    assert wf.phase(S.DRAFT).applicant_can_edit
    assert not wf.phase(S.SUBMITTED).applicant_can_edit


def test_withdrawal_is_possible_until_a_decision():
    for mode in AccessMode.values:
        wf = workflow_for_mode(mode)
        for phase in wf.phases.values():
            can_withdraw = wf.can(phase.status, "withdraw", actor=Actor.APPLICANT)
            if phase.status == S.WAITLISTED:
                assert can_withdraw  # still hoping for capacity: the applicant may give up
            elif phase.is_decided or phase.is_final:
                assert not can_withdraw, (mode, phase.status)
            else:
                assert can_withdraw, (mode, phase.status)


class _Call:
    def __init__(self, right_of_reply):
        self.mode = AccessMode.LARGE_SCALE
        self.right_of_reply = right_of_reply


def test_right_of_reply_is_a_call_option():
    wf = workflow_for_mode(AccessMode.LARGE_SCALE)
    without = _Call(right_of_reply=False)
    with_reply = _Call(right_of_reply=True)
    assert not wf.can(S.IN_REVIEW, "open_reply", actor=Actor.PROGRAMME_OFFICER, call=without)
    assert wf.can(S.IN_REVIEW, "open_reply", actor=Actor.PROGRAMME_OFFICER, call=with_reply)
    assert S.IN_REPLY not in [p.status for p in wf.route_phases(without)]
    assert S.IN_REPLY in [p.status for p in wf.route_phases(with_reply)]


def test_every_transition_targets_a_state_of_the_same_path():
    for mode in AccessMode.values:
        wf = workflow_for_mode(mode)
        for phase in wf.phases.values():
            for t in phase.transitions:
                assert t.target in wf.phases, (mode, phase.status, t.action)
                assert t.actors, (mode, phase.status, t.action)


def test_open_and_demand_statuses():
    assert S.DRAFT in open_statuses()
    assert S.WITHDRAWN not in open_statuses()
    assert S.REJECTED not in open_statuses()
    assert S.DRAFT not in demand_statuses()
    assert S.WITHDRAWN not in demand_statuses()
    assert S.INELIGIBLE not in demand_statuses()
    assert S.SUBMITTED in demand_statuses()
