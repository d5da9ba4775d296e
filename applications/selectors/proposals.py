"""Reads on proposals: who sees which, how complete a draft is, what stops its submission, and
the applicant's dashboard.

One table (SECTIONS) says which fields each section of the form needs; the completeness indicator
and the submission check both read it, so they can never disagree.
"""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import F, Prefetch, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.http import Http404
from django.utils import timezone

from applications.deadlines import format_deadline
from applications.hooks import proposals_visible_q, submitted_q
from applications.models import (
    AI_ACT_QUESTIONS,
    CallPartition,
    CutOff,
    Proposal,
    ProposalStatus,
    ResourceRequest,
    TeamMember,
)
from applications.workflow import open_statuses, workflow_for
from portal.activity_actions import Audience, applicant_wording, staff_wording
from portal.models import Activity, Membership, Organisation
from portal.roles import centre_ids_with_role

# --- time -------------------------------------------------------------------------------------


def describe_instant(value: datetime, tz_name: str | None = None) -> str:
    """An instant in `tz_name` with the zone named, e.g. for messages and mails."""
    return format_deadline(value, tz_name or settings.TIME_ZONE)


def describe_cutoff(cutoff: CutOff) -> str:
    """A cut-off in its call's announced zone, with the UTC time: nobody guesses which 10:00."""
    utc = cutoff.at.astimezone(zoneinfo.ZoneInfo("UTC"))
    return f"{describe_instant(cutoff.at, cutoff.call.display_timezone)} = {utc:%H:%M} UTC"


# --- visibility -------------------------------------------------------------------------------


def read_by_programme_office() -> Q:
    """Proposals the programme office may read: those that were submitted. A draft stays private
    to its organisation, also once withdrawn without ever being submitted (no submission time).
    applications.rules.proposal_is_submitted asks the same of one proposal."""
    return submitted_q()


def proposals_visible_to(*, user) -> QuerySet[Proposal]:
    """Proposals `user` may see: those for which some actor provider (applications.hooks) counts
    them as someone — their organisations' proposals, every submitted one for officers, those
    requesting their centre for assessors. The rule applications.view_proposal asks the same
    providers of one proposal. Being a superuser counts for nothing here."""
    base = Proposal.objects.select_related("call", "cutoff", "organisation", "pi")
    visible = proposals_visible_q(user=user)
    if visible is None:
        return base.none()
    return base.filter(visible)


def proposals_listed_for(*, user) -> QuerySet[Proposal]:
    """Proposals `user` may see, with only the columns a list shows (no texts, no requests),
    most recently changed first."""
    return (
        proposals_visible_to(user=user)
        .select_related(None)
        .select_related("call", "cutoff", "organisation")
        .only(
            "pk",
            "reference",
            "status",
            "version",
            "title",
            "acronym",
            "created_at",
            "updated_at",
            "submitted_at",
            "call__id",
            "call__slug",
            "cutoff__id",
            "cutoff__at",
            "organisation__id",
            "organisation__legal_name",
        )
        .order_by("-updated_at", "-id")
    )


def proposal_get_for_user(*, user, pk) -> Proposal:
    """The proposal if `user` may view it; a 404 otherwise (never reveal that it exists)."""
    proposal = proposals_visible_to(user=user).filter(pk=pk).first()
    if proposal is None or not user.has_perm("applications.view_proposal", proposal):
        raise Http404("No such proposal.")
    return proposal


def open_proposals_for_cutoff(*, organisation: Organisation, cutoff: CutOff) -> QuerySet[Proposal]:
    """The organisation's proposals that count for "one open proposal per cut-off"."""
    return Proposal.objects.filter(
        organisation=organisation, cutoff=cutoff, status__in=open_statuses()
    )


# --- sections and requirements ----------------------------------------------------------------


def _text(name: str, label: str) -> Callable[[Proposal], str | None]:
    def check(p: Proposal) -> str | None:
        return None if (getattr(p, name) or "").strip() else f"{label} is required."

    return check


def _value(name: str, label: str) -> Callable[[Proposal], str | None]:
    def check(p: Proposal) -> str | None:
        return None if getattr(p, name) is not None else f"{label} is required."

    return check


def _abstract(p: Proposal) -> str | None:
    text = (p.abstract or "").strip()
    if not text:
        return "The abstract is required."
    if len(p.abstract) > p.call.abstract_max_chars:
        return (
            f"The abstract is {len(p.abstract):,} characters long; this call allows at most "
            f"{p.call.abstract_max_chars:,}."
        )
    return None


def _personal_data_measures(p: Proposal) -> str | None:
    if p.uses_personal_data and not (p.personal_data_measures or "").strip():
        return "Describe how personal data is protected (you said the project uses personal data)."
    return None


def _ai_act(p: Proposal) -> str | None:
    answers = p.ai_act_answers or {}
    missing = [key for key in AI_ACT_QUESTIONS if answers.get(key) not in ("yes", "no")]
    if missing:
        return f"Answer every AI Act self-assessment question ({len(missing)} unanswered)."
    return None


def _civilian(p: Proposal) -> str | None:
    if not p.civilian_use_confirmed:
        return "Confirm that the project is for civilian use only."
    return None


def _team(p: Proposal) -> str | None:
    members = list(p.team.all())
    if p.pi_id is None or not any(m.user_id == p.pi_id for m in members):
        return "Name a principal investigator (PI) from the team."
    return None


def _requests(p: Proposal) -> str | None:
    if not list(p.requests.all()):
        return "Request hours on at least one partition."
    return None


def _requests_justified(p: Proposal) -> str | None:
    unjustified = [r for r in p.requests.all() if not (r.justification or "").strip()]
    if unjustified:
        names = ", ".join(str(r.offered_partition.partition) for r in unjustified)
        return f"Justify every resource request (missing for {names})."
    return None


@dataclass(frozen=True)
class Requirement:
    field: str  # the form field (or area) the message belongs to
    check: Callable[[Proposal], str | None]  # None when satisfied, else what to do


@dataclass(frozen=True)
class Section:
    key: str
    label: str
    requirements: tuple[Requirement, ...]


SECTIONS: tuple[Section, ...] = (
    Section(
        "summary",
        "Summary",
        (
            Requirement("title", _text("title", "The title")),
            Requirement("acronym", _text("acronym", "The acronym")),
            Requirement("abstract", _abstract),
        ),
    ),
    Section("team", "Team", (Requirement("team", _team),)),
    Section(
        "ai_plan",
        "AI plan",
        (
            Requirement("model_type", _text("model_type", "The model type")),
            Requirement("parameters", _value("parameters", "The model size (parameters)")),
            Requirement(
                "training_tokens", _value("training_tokens", "The number of training tokens")
            ),
            Requirement(
                "training_share_percent",
                _value("training_share_percent", "The training/inference split"),
            ),
            Requirement("ai_plan", _text("ai_plan", "The methodology and work plan")),
        ),
    ),
    Section(
        "resources",
        "Resource requests",
        (Requirement("requests", _requests), Requirement("requests", _requests_justified)),
    ),
    Section(
        "software",
        "Software and containers",
        (Requirement("software_stack", _text("software_stack", "The software stack")),),
    ),
    Section(
        "data_ethics",
        "Data and ethics",
        (
            Requirement(
                "data_sources", _text("data_sources", "The description of the data sources")
            ),
            Requirement(
                "data_licences", _text("data_licences", "The description of the data licences")
            ),
            Requirement(
                "uses_personal_data",
                _value("uses_personal_data", "The answer on personal data"),
            ),
            Requirement("personal_data_measures", _personal_data_measures),
            Requirement("ai_act_answers", _ai_act),
            Requirement("civilian_use_confirmed", _civilian),
        ),
    ),
    Section(
        "commercial",
        "Commercial information",
        (Requirement("expected_impact", _text("expected_impact", "The expected impact")),),
    ),
)


@dataclass(frozen=True)
class SectionCompleteness:
    key: str
    label: str
    done: int
    total: int
    complete: bool

    # Unpacks as the tuple (key, label, done, total, complete).
    def __iter__(self):
        return iter((self.key, self.label, self.done, self.total, self.complete))


def proposal_sections_completeness(*, proposal: Proposal) -> list[SectionCompleteness]:
    """Per section of the form: (key, label, fields done, fields in total, complete?).

    Reads team and requests through `.all()`, so a prefetched list costs no query.
    """
    result = []
    for section in SECTIONS:
        # A follow-up check on a field (e.g. "every request justified") only counts as done once
        # the field's first check passes: with no request at all, nothing is justified yet.
        failed_fields: set[str] = set()
        done = 0
        for requirement in section.requirements:
            if requirement.check(proposal) is None and requirement.field not in failed_fields:
                done += 1
            else:
                failed_fields.add(requirement.field)
        total = len(section.requirements)
        result.append(SectionCompleteness(section.key, section.label, done, total, done == total))
    return result


def completeness_percent(sections: list[SectionCompleteness]) -> int:
    total = sum(s.total for s in sections)
    return round(100 * sum(s.done for s in sections) / total) if total else 100


def request_limit_problems(*, offered_partition: CallPartition, hours: Decimal) -> dict[str, list]:
    """The call's limits for one partition, as {"hours": [message]} when `hours` breaks them."""
    partition = offered_partition.partition
    unit = partition.unit_label
    call = offered_partition.call
    if hours < offered_partition.min_hours:
        return {
            "hours": [
                f"{hours:,.0f} {unit} on {partition} is below the minimum of "
                f"{offered_partition.min_hours:,.0f} {unit} for this {call.get_mode_display()} "
                "call."
            ]
        }
    if offered_partition.max_hours is not None and hours > offered_partition.max_hours:
        return {
            "hours": [
                f"{hours:,.0f} {unit} on {partition} is above the maximum of "
                f"{offered_partition.max_hours:,.0f} {unit} for this {call.get_mode_display()} "
                "call."
            ]
        }
    return {}


def _request_problems(proposal: Proposal, request: ResourceRequest) -> list[str]:
    offered = request.offered_partition
    problems = []
    if offered.call_id != proposal.call_id:
        problems.append(f"{offered.partition} is not offered by “{proposal.call}”.")
        return problems
    for messages in request_limit_problems(offered_partition=offered, hours=request.hours).values():
        problems.extend(messages)
    allowed = [int(d) for d in (proposal.call.durations_months or [])]
    if allowed and request.duration_months not in allowed:
        choices = ", ".join(str(d) for d in allowed)
        problems.append(
            f"The duration on {offered.partition} ({request.duration_months} months) is not one "
            f"this call allows ({choices} months)."
        )
    return problems


def organisation_eligibility_problems(*, proposal: Proposal) -> list[str]:
    call = proposal.call
    organisation = proposal.organisation
    problems = []
    if organisation.country not in (call.eligible_countries or []):
        problems.append(
            f"{organisation} is registered in {organisation.get_country_display()}, which is not "
            f"eligible for “{call}”."
        )
    if organisation.kind not in (call.eligible_organisation_kinds or []):
        from portal.models import OrganisationKind

        allowed = " or ".join(
            str(OrganisationKind(k).label) for k in call.eligible_organisation_kinds or []
        )
        problems.append(
            f"{organisation} counts as a {organisation.get_kind_display().lower()} from the "
            f"facts in its profile; “{call}” is open to {allowed or 'no kind of organisation'} "
            "only."
        )
    return problems


def proposal_submission_problems(*, proposal: Proposal, now=None) -> dict[str, list[str]]:
    """Everything that stops `proposal` from being submitted now, by field; empty = submittable."""
    now = now or timezone.now()
    problems: dict[str, list[str]] = defaultdict(list)
    if proposal.status != ProposalStatus.DRAFT:
        problems["__all__"].append(
            f"This proposal is {proposal.get_status_display().lower()}; only drafts are submitted."
        )
    cutoff = proposal.cutoff
    if now >= cutoff.at:
        problems["cutoff"].append(
            f"The cut-off of {describe_cutoff(cutoff)} has passed; submissions for it closed at "
            "that moment. Your draft moves to the call's next cut-off."
        )
    for section in SECTIONS:
        for requirement in section.requirements:
            message = requirement.check(proposal)
            if message:
                problems[requirement.field].append(message)
    for request in proposal.requests.all():
        problems["requests"].extend(_request_problems(proposal, request))
    problems["organisation"].extend(organisation_eligibility_problems(proposal=proposal))
    if proposal.call.one_open_proposal_per_cutoff:
        other = (
            open_proposals_for_cutoff(organisation=proposal.organisation, cutoff=cutoff)
            .exclude(pk=proposal.pk)
            .exclude(status=ProposalStatus.DRAFT, created_at__gt=proposal.created_at)
            .first()
        )
        if other is not None:
            problems["organisation"].append(
                f"{proposal.organisation} already has an open proposal for this cut-off "
                f"(“{other}”); the call accepts one per organisation per cut-off."
            )
    member_ids = set(
        Membership.objects.filter(organisation_id=proposal.organisation_id).values_list(
            "user_id", flat=True
        )
    )
    outsiders = [m.user.display_name for m in proposal.team.all() if m.user_id not in member_ids]
    if outsiders:
        problems["team"].append(
            f"No longer members of {proposal.organisation}: {', '.join(outsiders)}. Remove them "
            "from the team."
        )
    return {key: messages for key, messages in problems.items() if messages}


# --- the applicant's dashboard ----------------------------------------------------------------


@dataclass
class TimelineEntry:
    at: datetime
    text: str


@dataclass
class ProposalEntry:
    proposal: Proposal
    status_label: str
    next_step: str
    timeline: list[TimelineEntry] = field(default_factory=list)
    sections: list[SectionCompleteness] = field(default_factory=list)
    percent_complete: int | None = None


@dataclass
class StatusGroup:
    status: str
    label: str
    entries: list[ProposalEntry]


@dataclass
class ApplicantDashboard:
    groups: list[StatusGroup]
    drafts: list[ProposalEntry]
    next_deadline: CutOff | None
    next_deadline_proposals: list[Proposal]

    @property
    def is_empty(self) -> bool:
        return not self.groups


# Order of the groups on the dashboard: what needs the applicant first.
DASHBOARD_ORDER = (
    ProposalStatus.DRAFT,
    ProposalStatus.AWARDED,
    ProposalStatus.IN_REPLY,
    ProposalStatus.SUBMITTED,
    ProposalStatus.ELIGIBLE,
    ProposalStatus.IN_REVIEW,
    ProposalStatus.IN_PANEL,
    ProposalStatus.WAITLISTED,
    ProposalStatus.ACCEPTED,
    ProposalStatus.DECLINED,
    ProposalStatus.LAPSED,
    ProposalStatus.REJECTED,
    ProposalStatus.INELIGIBLE,
    ProposalStatus.WITHDRAWN,
)


def _timeline_rows(proposal_ids: list[int], *, audience: str | None):
    """Activity rows logged on these proposals; only those meant for `audience` when given."""
    rows = Activity.objects.filter(
        content_type=ContentType.objects.get_for_model(Proposal),
        object_id__in=[str(pk) for pk in proposal_ids],
    )
    if audience is not None:
        rows = rows.filter(audience=audience)
    return rows.select_related("actor").only(
        "object_id",
        "verb",
        "created_at",
        "data",
        "actor__first_name",
        "actor__last_name",
        "actor__email",
    )


def _actor_name(row: Activity) -> str:
    return row.actor.display_name if row.actor is not None else ""


def _applicant_entry(row: Activity) -> TimelineEntry:
    text = applicant_wording(row.verb, actor_name=_actor_name(row), data=row.data)
    return TimelineEntry(at=row.created_at, text=text)


def _timelines(proposals: list[Proposal], per_proposal: int = 8) -> dict[int, list[TimelineEntry]]:
    """The newest `per_proposal` entries meant for applicants of each of many proposals, in one
    query: the rows are numbered per proposal in the database, so a long history is never loaded
    to be dropped. Staff entries (downloads, assessments, reviewers' work) are never among them."""
    if not proposals:
        return {}
    rows = (
        _timeline_rows([p.pk for p in proposals], audience=Audience.APPLICANT)
        .annotate(
            newness=Window(
                RowNumber(),
                partition_by=[F("object_id")],
                order_by=[F("created_at").desc(), F("id").desc()],
            )
        )
        .filter(newness__lte=per_proposal)
        .order_by("object_id", "newness")
    )
    found: dict[int, list[TimelineEntry]] = defaultdict(list)
    for row in rows:
        found[int(row.object_id)].append(_applicant_entry(row))
    return found


def proposal_timeline(*, proposal: Proposal, limit: int = 50) -> list[TimelineEntry]:
    """The applicant's timeline of one proposal, newest first: only entries meant for them,
    worded for them (portal.activity_actions)."""
    rows = _timeline_rows([proposal.pk], audience=Audience.APPLICANT).order_by("-created_at", "-id")
    return [_applicant_entry(row) for row in rows[:limit]]


def proposal_audit_trail(
    *, proposal: Proposal, limit: int = 200, only_requests: set[int] | None = None
) -> list[TimelineEntry]:
    """Everything logged on one proposal, staff entries included, worded for staff. For staff
    pages only: never hand it to an applicant. With `only_requests`, entries about a resource
    request (a centre's assessment of it) are kept only for those requests."""
    rows = _timeline_rows([proposal.pk], audience=None).order_by("-created_at", "-id")
    if only_requests is not None:
        rows = rows.filter(Q(data__request__isnull=True) | Q(data__request__in=only_requests))
    return [
        TimelineEntry(
            at=row.created_at,
            text=staff_wording(row.verb, actor_name=_actor_name(row), data=row.data),
        )
        for row in rows[:limit]
    ]


def proposal_history_for(*, proposal: Proposal, user) -> list[TimelineEntry]:
    """What `user` may read of a proposal's history: its team (and anyone else on the applying
    side) the applicant's timeline; staff who may see the proposal, the audit trail."""
    from applications.hooks import proposal_actors
    from applications.workflow import Actor

    actors = proposal_actors(proposal=proposal, user=user)
    if not actors:
        return []
    if Actor.APPLICANT in actors:
        return proposal_timeline(proposal=proposal)
    if Actor.PROGRAMME_OFFICER in actors:
        return proposal_audit_trail(proposal=proposal)
    # A centre's assessor reads the trail without what other centres did with their requests.
    own = set(
        proposal.requests.filter(
            offered_partition__partition__centre_id__in=centre_ids_with_role(
                user, "technical_assessor"
            )
        ).values_list("pk", flat=True)
    )
    return proposal_audit_trail(proposal=proposal, only_requests=own)


def _next_step(proposal: Proposal) -> str:
    phase = workflow_for(proposal.call).phase(proposal.status)
    if proposal.status == ProposalStatus.DRAFT:
        return f"Complete every section and submit before {describe_instant(proposal.cutoff.at)}."
    return phase.applicant_next


def _team_and_requests_prefetches() -> tuple[Prefetch, ...]:
    """What completeness and the PDF read of a proposal's team and requests, prefetched."""
    return (
        Prefetch("team", queryset=TeamMember.objects.select_related("user")),
        Prefetch(
            "requests",
            queryset=ResourceRequest.objects.select_related("offered_partition__partition__centre"),
        ),
    )


def applicant_dashboard(*, user, now=None) -> ApplicantDashboard:
    """Proposals of the user's organisations grouped by status, drafts with completeness, and the
    next deadline. A fixed number of queries whatever the number of proposals."""
    now = now or timezone.now()
    organisation_ids = Membership.objects.filter(user=user).values("organisation_id")
    proposals = list(
        Proposal.objects.filter(organisation__in=organisation_ids)
        .select_related("call", "cutoff", "cutoff__call", "organisation", "pi")
        .prefetch_related(
            *_team_and_requests_prefetches(),
        )
        .order_by("cutoff__at", "-updated_at", "-id")
    )
    timelines = _timelines(proposals)
    by_status: dict[str, list[ProposalEntry]] = defaultdict(list)
    drafts = []
    for proposal in proposals:
        phase = workflow_for(proposal.call).phase(proposal.status)
        entry = ProposalEntry(
            proposal=proposal,
            status_label=phase.applicant_label,
            next_step=_next_step(proposal),
            timeline=timelines.get(proposal.pk, []),
        )
        if proposal.status == ProposalStatus.DRAFT:
            entry.sections = proposal_sections_completeness(proposal=proposal)
            entry.percent_complete = completeness_percent(entry.sections)
            drafts.append(entry)
        by_status[proposal.status].append(entry)
    groups = [
        StatusGroup(status, ProposalStatus(status).label, by_status[status])
        for status in DASHBOARD_ORDER
        if by_status.get(status)
    ]
    upcoming = [e.proposal for e in drafts if e.proposal.cutoff.at > now]
    next_deadline = min((p.cutoff for p in upcoming), key=lambda c: c.at, default=None)
    return ApplicantDashboard(
        groups=groups,
        drafts=drafts,
        next_deadline=next_deadline,
        next_deadline_proposals=[
            p for p in upcoming if next_deadline and p.cutoff_id == next_deadline.pk
        ],
    )


def proposal_for_pdf(*, pk: int) -> Proposal:
    """A proposal with everything its PDF shows, in a fixed number of queries."""
    return (
        Proposal.objects.select_related("call", "cutoff", "organisation", "pi")
        .prefetch_related(
            *_team_and_requests_prefetches(),
            "attachments",
        )
        .get(pk=pk)
    )


__all__ = [
    "SECTIONS",
    "ApplicantDashboard",
    "applicant_dashboard",
    "completeness_percent",
    "describe_cutoff",
    "describe_instant",
    "open_proposals_for_cutoff",
    "proposal_for_pdf",
    "proposal_audit_trail",
    "proposal_get_for_user",
    "proposal_history_for",
    "proposal_sections_completeness",
    "proposal_submission_problems",
    "proposal_timeline",
    "proposals_listed_for",
    "proposals_visible_to",
    "read_by_programme_office",
    "request_limit_problems",
]
