"""The evaluation path of a proposal as data: its states, their labels and the allowed transitions.

A call's access mode names its evaluation path (applications.modes); the path is one of the tables
below. Services ask the table whether a transition is allowed for an actor; pages ask it for the
labels and for what comes next. Nothing else in the code should branch on a mode or a path.

- First come, first served (Playground, Fast Lane): eligibility check, technical assessment,
  decision. No peer review, no panel.
- Peer review (Large Scale): eligibility check, technical assessment and peer review, optional
  right of reply, panel ranking, decision within the capacity of the cut-off.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import models

from applications.models.proposals import ProposalStatus
from applications.modes import EvaluationPath, defaults_for

S = ProposalStatus


class Actor(models.TextChoices):
    """Who takes a transition. `SYSTEM` is the portal itself (periodic jobs, deadlines)."""

    APPLICANT = "applicant", "Applicant (a member of the proposing organisation)"
    PROGRAMME_OFFICER = "programme_officer", "Programme officer"
    TECHNICAL_ASSESSOR = "technical_assessor", "Technical assessor"
    REVIEWER = "reviewer", "Reviewer"
    SYSTEM = "system", "The portal (scheduled job)"


@dataclass(frozen=True)
class Transition:
    action: str  # used by services; the activity log records it as "proposal.<action>"
    target: str  # a ProposalStatus value
    label: str  # button text
    actors: frozenset[str]
    # Name of a boolean Call field that must be set for this transition (e.g. "right_of_reply").
    requires_call_flag: str = ""
    # Mail template the door sends to the proposal's team when the transition is taken.
    team_mail: str = ""


@dataclass(frozen=True)
class Phase:
    status: str
    staff_label: str
    applicant_label: str
    # What happens next, told to the applicant (dashboard timeline) and on the public call page.
    applicant_next: str
    transitions: tuple[Transition, ...] = ()
    applicant_can_edit: bool = False
    # Counts for "one open proposal per organisation per cut-off".
    is_open: bool = True
    # A decision has been taken (award / waitlist / reject or later); no withdrawal after it.
    is_decided: bool = False
    # Its requested hours count in the demand on a cut-off's pools (officer cut-off view).
    counts_as_demand: bool = True

    @property
    def is_final(self) -> bool:
        return not self.transitions


@dataclass(frozen=True)
class Workflow:
    path: str
    title: str
    summary: str
    # The usual route of a successful proposal, shown as "how evaluation works".
    main_route: tuple[str, ...]
    phases: dict[str, Phase] = field(default_factory=dict)

    def phase(self, status: str) -> Phase:
        try:
            return self.phases[status]
        except KeyError:
            raise KeyError(f"{status!r} is not a state of the {self.path} path") from None

    def transitions_from(self, status: str, call=None) -> tuple[Transition, ...]:
        """Transitions out of `status`; with a call, those its flags switch off are left out."""
        return tuple(
            t
            for t in self.phase(status).transitions
            if call is None or not t.requires_call_flag or getattr(call, t.requires_call_flag)
        )

    def transition(
        self, status: str, action: str, *, actor: str | Iterable[str] | None = None, call=None
    ) -> Transition | None:
        """The transition `action` out of `status`, if the table has it (and allows `actor`)."""
        actors = {actor} if isinstance(actor, str) else set(actor or ())
        for t in self.transitions_from(status, call):
            if t.action == action and (actor is None or t.actors & actors):
                return t
        return None

    def can(self, status: str, action: str, *, actor: str | Iterable[str], call=None) -> bool:
        return self.transition(status, action, actor=actor, call=call) is not None

    def route_phases(self, call=None) -> list[Phase]:
        """The main route, without steps the call switches off (e.g. no right of reply)."""
        skipped = set()
        if call is not None and not getattr(call, "right_of_reply", False):
            skipped.add(S.IN_REPLY)
        return [self.phases[s] for s in self.main_route if s not in skipped]

    @property
    def statuses(self) -> tuple[str, ...]:
        return tuple(self.phases)


A = Actor
APPLICANT = frozenset({A.APPLICANT})
OFFICER = frozenset({A.PROGRAMME_OFFICER})
OFFICER_OR_SYSTEM = frozenset({A.PROGRAMME_OFFICER, A.SYSTEM})


def _withdraw() -> Transition:
    return Transition(
        "withdraw", S.WITHDRAWN, "Withdraw", APPLICANT, team_mail="proposal_withdrawn"
    )


def _decisions() -> tuple[Transition, ...]:
    return (
        Transition("award", S.AWARDED, "Award", OFFICER),
        Transition("waitlist", S.WAITLISTED, "Waitlist", OFFICER),
        Transition("reject", S.REJECTED, "Reject", OFFICER),
    )


def _common_phases() -> dict[str, Phase]:
    """States that mean the same on every path: the start, the decision and after it."""
    return {
        S.DRAFT: Phase(
            S.DRAFT,
            staff_label="Draft",
            applicant_label="Draft",
            applicant_next="Complete every section and submit before the cut-off.",
            applicant_can_edit=True,
            counts_as_demand=False,
            transitions=(
                Transition("submit", S.SUBMITTED, "Submit", APPLICANT),
                _withdraw(),
            ),
        ),
        S.SUBMITTED: Phase(
            S.SUBMITTED,
            staff_label="Submitted: eligibility check due",
            applicant_label="Submitted",
            applicant_next="The programme office checks that your organisation is eligible.",
            transitions=(
                Transition("declare_eligible", S.ELIGIBLE, "Eligible", OFFICER),
                Transition("declare_ineligible", S.INELIGIBLE, "Ineligible", OFFICER),
                _withdraw(),
            ),
        ),
        S.INELIGIBLE: Phase(
            S.INELIGIBLE,
            staff_label="Ineligible",
            applicant_label="Not eligible",
            applicant_next="The reason was sent to you; you may apply again when eligible.",
            is_open=False,
            counts_as_demand=False,
            is_decided=True,
        ),
        S.AWARDED: Phase(
            S.AWARDED,
            staff_label="Awarded: acceptance due",
            applicant_label="Awarded",
            applicant_next="Accept the award before the deadline in your award letter.",
            is_decided=True,
            transitions=(
                Transition("accept", S.ACCEPTED, "Accept the award", APPLICANT),
                Transition("decline", S.DECLINED, "Decline the award", APPLICANT),
                Transition("lapse", S.LAPSED, "Lapse", frozenset({A.SYSTEM})),
            ),
        ),
        S.WAITLISTED: Phase(
            S.WAITLISTED,
            staff_label="Waitlisted",
            applicant_label="On the waiting list",
            applicant_next="You are told at once if capacity frees up for your proposal.",
            is_decided=True,
            transitions=(
                Transition("award", S.AWARDED, "Award", OFFICER),
                Transition("reject", S.REJECTED, "Reject", OFFICER),
                _withdraw(),
            ),
        ),
        S.REJECTED: Phase(
            S.REJECTED,
            staff_label="Rejected",
            applicant_label="Not funded",
            applicant_next="The feedback letter explains the decision.",
            is_open=False,
            is_decided=True,
        ),
        S.ACCEPTED: Phase(
            S.ACCEPTED,
            staff_label="Accepted: allocation active",
            applicant_label="Award accepted",
            applicant_next="Your project code and access details come from the hosting centres.",
            is_open=False,
            is_decided=True,
        ),
        S.DECLINED: Phase(
            S.DECLINED,
            staff_label="Declined by the applicant",
            applicant_label="Award declined",
            applicant_next="The hours returned to the pool.",
            is_open=False,
            is_decided=True,
        ),
        S.LAPSED: Phase(
            S.LAPSED,
            staff_label="Lapsed (not accepted in time)",
            applicant_label="Award lapsed",
            applicant_next="The award was not accepted in time; the hours returned to the pool.",
            is_open=False,
            is_decided=True,
        ),
        S.WITHDRAWN: Phase(
            S.WITHDRAWN,
            staff_label="Withdrawn",
            applicant_label="Withdrawn",
            applicant_next="You withdrew this proposal.",
            is_open=False,
            counts_as_demand=False,
        ),
    }


FCFS = Workflow(
    path=EvaluationPath.FCFS,
    title="First come, first served",
    summary=(
        "Proposals are handled in the order they are submitted: an eligibility check, a technical "
        "assessment by the hosting centre, then the decision. There is no peer review."
    ),
    main_route=(S.DRAFT, S.SUBMITTED, S.ELIGIBLE, S.IN_REVIEW, S.AWARDED, S.ACCEPTED),
    phases={
        **_common_phases(),
        S.ELIGIBLE: Phase(
            S.ELIGIBLE,
            staff_label="Eligible: technical assessment to start",
            applicant_label="Eligible",
            applicant_next="The hosting centres check that your request is technically feasible.",
            transitions=(
                # The portal starts it itself once the assessments are open (reviews.signals);
                # the officer may still start it by hand.
                Transition(
                    "start_review", S.IN_REVIEW, "Start technical assessment", OFFICER_OR_SYSTEM
                ),
                _withdraw(),
            ),
        ),
        S.IN_REVIEW: Phase(
            S.IN_REVIEW,
            staff_label="Technical assessment",
            applicant_label="Under technical assessment",
            applicant_next="The programme office decides once the technical assessment is done.",
            transitions=(*_decisions(), _withdraw()),
        ),
    },
)

PEER_REVIEW = Workflow(
    path=EvaluationPath.PEER_REVIEW,
    title="Peer review and panel",
    summary=(
        "After the cut-off, eligible proposals get a technical assessment from each hosting "
        "centre and are scored by independent reviewers against the call's criteria. A panel "
        "ranks them and the hours of the cut-off are awarded in rank order."
    ),
    main_route=(
        S.DRAFT,
        S.SUBMITTED,
        S.ELIGIBLE,
        S.IN_REVIEW,
        S.IN_REPLY,
        S.IN_PANEL,
        S.AWARDED,
        S.ACCEPTED,
    ),
    phases={
        **_common_phases(),
        S.ELIGIBLE: Phase(
            S.ELIGIBLE,
            staff_label="Eligible: reviewers to assign",
            applicant_label="Eligible",
            applicant_next="Independent experts review your proposal; centres check feasibility.",
            transitions=(
                Transition("start_review", S.IN_REVIEW, "Start review", OFFICER),
                _withdraw(),
            ),
        ),
        S.IN_REVIEW: Phase(
            S.IN_REVIEW,
            staff_label="Peer review and technical assessment",
            applicant_label="Under review",
            applicant_next="When the reviews are in, the panel ranks the proposals.",
            transitions=(
                Transition(
                    "open_reply",
                    S.IN_REPLY,
                    "Open right of reply",
                    OFFICER,
                    requires_call_flag="right_of_reply",
                    team_mail="reply_opened",
                ),
                Transition("send_to_panel", S.IN_PANEL, "Send to panel", OFFICER),
                _withdraw(),
            ),
        ),
        S.IN_REPLY: Phase(
            S.IN_REPLY,
            staff_label="Right of reply open",
            applicant_label="Reply to the reviews",
            applicant_next="Read the anonymised reviews and send your reply before the deadline.",
            transitions=(
                Transition("send_to_panel", S.IN_PANEL, "Send to panel", OFFICER_OR_SYSTEM),
                _withdraw(),
            ),
        ),
        S.IN_PANEL: Phase(
            S.IN_PANEL,
            staff_label="In panel",
            applicant_label="In panel",
            applicant_next="The panel ranks proposals; the decision follows within the capacity.",
            transitions=(*_decisions(), _withdraw()),
        ),
    },
)

WORKFLOWS: dict[str, Workflow] = {wf.path: wf for wf in (FCFS, PEER_REVIEW)}


def workflow_for_path(path: str) -> Workflow:
    return WORKFLOWS[EvaluationPath(path)]


def workflow_for_mode(mode: str) -> Workflow:
    return workflow_for_path(defaults_for(mode).path)


def workflow_for(call) -> Workflow:
    """The evaluation path of a call (or anything with a `mode`)."""
    return workflow_for_mode(call.mode)


def open_statuses() -> frozenset[str]:
    """Statuses that count as an open proposal (the one-per-cut-off rule), on any path."""
    return frozenset(p.status for wf in WORKFLOWS.values() for p in wf.phases.values() if p.is_open)


def demand_statuses() -> frozenset[str]:
    """Statuses whose requested hours count as demand on a cut-off (submitted, not withdrawn or
    ineligible)."""
    return frozenset(
        p.status for wf in WORKFLOWS.values() for p in wf.phases.values() if p.counts_as_demand
    )


def staff_label(call, status: str) -> str:
    return workflow_for(call).phase(status).staff_label


def applicant_label(call, status: str) -> str:
    return workflow_for(call).phase(status).applicant_label
