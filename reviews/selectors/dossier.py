"""The programme officer's dossier of one proposal: what the applicant sent, who they are, what
each centre assessed, the eligibility outcome, the time-to-access clock, the full audit trail and
the steps the workflow table allows this officer now.

For programme officers only (reviews.view_proposal_dossier): it holds every centre's comment to
the panel and staff-only activity. Read in a fixed number of queries, whatever the number of
requests, attachments, team members or audit entries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone

from applications.hooks import proposal_actors, was_submitted
from applications.models import (
    AI_ACT_QUESTIONS,
    Attachment,
    PdfStatus,
    Proposal,
    ProposalReply,
    ResourceRequest,
    TeamMember,
)
from applications.selectors.proposals import TimelineEntry, proposal_audit_trail
from applications.selectors.time_to_access import proposal_clock
from applications.time_to_access import AccessClock
from applications.workflow import Actor, Phase, Transition, workflow_for
from portal.models.organisations import (
    SME_MAX_BALANCE_SHEET_EUR,
    SME_MAX_EMPLOYEES,
    SME_MAX_TURNOVER_EUR,
    STARTUP_MAX_AGE_YEARS,
)
from reviews.models import EligibilityCheck, TechnicalAssessment
from reviews.selectors.decisions import is_fcfs
from reviews.services.assessments import DECISION_ACTIONS

# Actions taken on a page of their own (the page asks for what the step needs: checklist and
# reason, hours per request); the dossier links there. Any other action the table allows an
# officer needs nothing but a confirmation and is taken from the dossier itself.
ELIGIBILITY_ACTIONS = frozenset({"declare_eligible", "declare_ineligible"})


# How an organisation's SME or startup status follows from its figures
# (portal.models.organisations), for the officer checking it.
SME_RULE = (
    f"SME: fewer than {SME_MAX_EMPLOYEES} staff, and a turnover of at most "
    f"€{SME_MAX_TURNOVER_EUR / 1_000_000:.0f} million or a balance sheet of at most "
    f"€{SME_MAX_BALANCE_SHEET_EUR / 1_000_000:.0f} million. Startup: an SME founded less than "
    f"{STARTUP_MAX_AGE_YEARS} years ago."
)


@dataclass(frozen=True)
class OfficerAction:
    action: str
    label: str
    # Where the officer takes it: a page (GET link), or "" when the dossier posts it itself.
    url: str = ""
    # No page takes it yet (a peer-reviewed decision waits for the panel): said plainly, no
    # dead button.
    unavailable: bool = False


@dataclass
class RequestAssessment:
    request: ResourceRequest
    assessment: TechnicalAssessment | None


@dataclass
class Dossier:
    proposal: Proposal
    phase: Phase
    requests: list[RequestAssessment]
    team: list[TeamMember]
    attachments: list
    ai_act: list[tuple[str, str]]
    eligibility: EligibilityCheck | None
    clock: AccessClock | None
    audit_trail: list[TimelineEntry]
    actions: list[OfficerAction] = field(default_factory=list)
    pdf_ready: bool = False
    # The right of reply, once opened (its text is shown to staff once submitted).
    reply: ProposalReply | None = None
    now: datetime | None = None

    @property
    def organisation(self):
        return self.proposal.organisation

    @property
    def organisation_age(self) -> int:
        return self.organisation.age_years(on=timezone.localdate(self.now))

    @property
    def request_list(self) -> list[ResourceRequest]:
        return [row.request for row in self.requests]

    @property
    def checklist_passed(self) -> int:
        items = self.eligibility.items if self.eligibility else []
        return sum(1 for item in items if item.get("passed"))

    # How the organisation's status follows from its figures (shown beside them).
    sme_rule: ClassVar[str] = SME_RULE


def _requests_with_assessments() -> Prefetch:
    return Prefetch(
        "requests",
        queryset=ResourceRequest.objects.select_related(
            "offered_partition__partition__centre",
            "assessment__centre",
            "assessment__suggested_partition__centre",
            "assessment__submitted_by",
        ).order_by("pk"),
    )


def dossier_proposal(*, pk: int) -> Proposal | None:
    """The proposal with everything the dossier shows, or None (no such proposal, or a draft)."""
    proposal = (
        Proposal.objects.select_related(
            "call", "cutoff", "organisation", "pi", "eligibility_check__checked_by"
        )
        .prefetch_related(
            Prefetch("team", queryset=TeamMember.objects.select_related("user").order_by("pk")),
            _requests_with_assessments(),
            Prefetch("attachments", queryset=Attachment.objects.order_by("pk")),
        )
        .filter(pk=pk)
        .first()
    )
    return proposal if was_submitted(proposal) else None


def _eligibility_of(proposal: Proposal) -> EligibilityCheck | None:
    try:
        return proposal.eligibility_check
    except EligibilityCheck.DoesNotExist:
        return None


def _assessment_of(request: ResourceRequest) -> TechnicalAssessment | None:
    try:
        return request.assessment
    except TechnicalAssessment.DoesNotExist:
        return None


def _action_url(transition: Transition, proposal: Proposal) -> OfficerAction:
    if transition.action in ELIGIBILITY_ACTIONS:
        url = reverse("reviews:eligibility_proposal", kwargs={"pk": proposal.pk})
        return OfficerAction(transition.action, transition.label, url=url)
    if transition.action == "open_reply":
        # Opened per cut-off, where the officer sees which proposals have all their reviews in.
        url = reverse("reviews:cutoff_reply", kwargs={"pk": proposal.cutoff_id})
        return OfficerAction(transition.action, transition.label, url=url)
    if transition.action in DECISION_ACTIONS:
        if not is_fcfs(proposal.call):
            # Peer-reviewed proposals are decided from the panel's ranking, which has no page yet.
            return OfficerAction(transition.action, transition.label, unavailable=True)
        url = reverse("reviews:decision_proposal", kwargs={"pk": proposal.pk})
        return OfficerAction(transition.action, transition.label, url=url)
    return OfficerAction(transition.action, transition.label)


def officer_actions(*, proposal: Proposal, user) -> list[OfficerAction]:
    """The transitions out of the proposal's state that the table allows `user`, as who they are
    for this proposal (the same question the one door asks)."""
    # As an officer only: an officer who also belongs to the applying organisation does not
    # withdraw from here.
    actors = proposal_actors(proposal=proposal, user=user) & {Actor.PROGRAMME_OFFICER}
    workflow = workflow_for(proposal.call)
    return [
        _action_url(t, proposal)
        for t in workflow.transitions_from(proposal.status, proposal.call)
        if t.actors & actors
    ]


def officer_dossier(*, proposal: Proposal, user, now: datetime | None = None) -> Dossier:
    """The dossier of a proposal fetched by dossier_proposal, for an officer (asked by the caller:
    reviews.view_proposal_dossier)."""
    now = now or timezone.now()
    answers = proposal.ai_act_answers or {}
    requests = list(proposal.requests.all())
    return Dossier(
        proposal=proposal,
        phase=workflow_for(proposal.call).phase(proposal.status),
        requests=[RequestAssessment(r, _assessment_of(r)) for r in requests],
        team=list(proposal.team.all()),
        attachments=list(proposal.attachments.all()),
        ai_act=[(question, answers.get(key, "")) for key, question in AI_ACT_QUESTIONS.items()],
        eligibility=_eligibility_of(proposal),
        clock=proposal_clock(proposal=proposal, now=now),
        audit_trail=proposal_audit_trail(proposal=proposal),
        actions=officer_actions(proposal=proposal, user=user),
        pdf_ready=proposal.pdf_status == PdfStatus.READY and bool(proposal.pdf),
        reply=ProposalReply.objects.select_related("submitted_by")
        .filter(proposal=proposal)
        .first(),
        now=now,
    )
