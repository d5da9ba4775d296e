from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from applications.models import (
    AI_ACT_QUESTIONS,
    Attachment,
    Call,
    CallPartition,
    CutOff,
    CutOffPool,
    EvaluationCriterion,
    Proposal,
    ResourceRequest,
    TeamMember,
)
from applications.modes import AccessMode, defaults_for
from portal.models import Membership

from .allocations import CapacityPoolFactory, PartitionFactory
from .portal import OrganisationFactory, UserFactory


class CallFactory(factory.django.DjangoModelFactory):
    """A published Fast Lane call, open now, closing in 60 days."""

    class Meta:
        model = Call

    title = factory.Sequence(lambda n: f"AI Factories Fast Lane call {n}")
    slug = factory.Sequence(lambda n: f"fast-lane-{n}")
    mode = AccessMode.FAST_LANE
    summary = "Fast access to GPU hours for AI startups and SMEs."
    description = "Apply for 10,000 to 50,000 GPU-hours on EuroHPC AI Factory systems."
    opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=60))
    durations_months = factory.LazyAttribute(lambda o: list(defaults_for(o.mode).durations_months))
    days_to_access = factory.LazyAttribute(lambda o: defaults_for(o.mode).days_to_access)
    is_published = True


class CutOffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CutOff

    call = factory.SubFactory(CallFactory)
    # Two weeks ahead; each cut-off a minute after the previous one (unique per call), so a long
    # test run does not drift into another season (and another UTC offset).
    at = factory.Sequence(
        lambda n: (
            (timezone.now() + timedelta(days=14)).replace(minute=0, second=0, microsecond=0)
            + timedelta(minutes=n)
        )
    )


class CallPartitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CallPartition

    call = factory.SubFactory(CallFactory)
    partition = factory.SubFactory(PartitionFactory)
    min_hours = factory.LazyAttribute(lambda o: Decimal(defaults_for(o.call.mode).min_hours))
    max_hours = factory.LazyAttribute(
        lambda o: (
            Decimal(defaults_for(o.call.mode).max_hours)
            if defaults_for(o.call.mode).max_hours
            else None
        )
    )


class CutOffPoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CutOffPool

    cutoff = factory.SubFactory(CutOffFactory)
    offered_partition = factory.SubFactory(
        CallPartitionFactory, call=factory.SelfAttribute("..cutoff.call")
    )
    pool = factory.SubFactory(
        CapacityPoolFactory, partition=factory.SelfAttribute("..offered_partition.partition")
    )


class EvaluationCriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EvaluationCriterion

    call = factory.SubFactory(CallFactory)
    name = factory.Sequence(lambda n: f"Criterion {n}")
    weight = Decimal("1")
    threshold = Decimal("3")


def pdf_bytes(*, pages: int = 1, title: str = "") -> bytes:
    """A small, valid PDF document (blank pages), for uploads in tests."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if title:
        writer.add_metadata({"/Title": title})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


class ProposalFactory(factory.django.DjangoModelFactory):
    """A draft whose creator is a member of the organisation and the PI on its team.

    `complete=True` fills every section but the resource requests; add those with
    ResourceRequestFactory, or use SubmittableProposalFactory.
    """

    class Meta:
        model = Proposal
        skip_postgeneration_save = True

    cutoff = factory.SubFactory(CutOffFactory)
    call = factory.SelfAttribute("cutoff.call")
    organisation = factory.SubFactory(OrganisationFactory)
    created_by = factory.SubFactory(UserFactory)
    pi = factory.SelfAttribute("created_by")
    title = factory.Sequence(lambda n: f"Foundation model for European languages {n}")
    acronym = factory.Sequence(lambda n: f"FMEL{n}")
    abstract = "We pre-train a 7B-parameter multilingual model on curated European corpora."

    class Params:
        complete = factory.Trait(
            model_type="decoder-only transformer",
            parameters=7_000_000_000,
            training_tokens=140_000_000_000,
            dataset_size_tb=Decimal("2.5"),
            training_share_percent=85,
            ai_plan="Pre-training in three phases with evaluation on EU-language benchmarks.",
            software_stack="PyTorch 2, Megatron-LM, NCCL; Slurm batch jobs.",
            containers="Apptainer image built from the NGC PyTorch container.",
            data_sources="Common Crawl subsets, EUR-Lex, national library corpora.",
            data_licences="CC BY 4.0 and public-domain texts; licences listed per corpus.",
            uses_personal_data=False,
            ai_act_answers=factory.LazyFunction(lambda: dict.fromkeys(AI_ACT_QUESTIONS, "no")),
            civilian_use_confirmed=True,
            expected_impact="An open multilingual model for European SMEs.",
        )

    @factory.post_generation
    def team(self, create, extracted, **kwargs):
        """The creator joins the organisation and the team as PI (team=False skips both)."""
        if not create or extracted is False or self.created_by is None:
            return
        Membership.objects.get_or_create(organisation=self.organisation, user=self.created_by)
        TeamMember.objects.get_or_create(
            proposal=self, user=self.created_by, defaults={"role": TeamMember.Role.PI}
        )


class SubmittableProposalFactory(ProposalFactory):
    """A complete draft with one request within the call's limits: it can be submitted."""

    complete = True

    @factory.post_generation
    def request(self, create, extracted, **kwargs):
        if not create or extracted is False:
            return
        ResourceRequestFactory(proposal=self, **kwargs)


class TeamMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeamMember

    proposal = factory.SubFactory(ProposalFactory)
    user = factory.SubFactory(UserFactory)
    role = TeamMember.Role.ENGINEER


class ResourceRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResourceRequest

    proposal = factory.SubFactory(ProposalFactory)
    offered_partition = factory.SubFactory(
        CallPartitionFactory, call=factory.SelfAttribute("..proposal.call")
    )
    hours = Decimal("20000")
    job_size = 64
    storage_tb = Decimal("10")
    duration_months = 3
    justification = "Pre-training on 64 GPUs for three months with checkpoints every 2 hours."


class AttachmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attachment

    proposal = factory.SubFactory(ProposalFactory)
    kind = Attachment.Kind.TECHNICAL
    file = factory.django.FileField(
        filename="technical-annex.pdf", data=factory.LazyFunction(lambda: pdf_bytes())
    )
    original_name = "technical-annex.pdf"
    size_bytes = factory.LazyAttribute(lambda o: o.file.size if o.file else 0)
    uploaded_by = factory.SelfAttribute("proposal.created_by")


def _assess_all(proposal: Proposal) -> None:
    """Every centre assesses the proposal's open requests as feasible (a decision waits for it)."""
    from reviews.models import TechnicalAssessment
    from reviews.services.assessments import assessment_submit

    from .allocations import CentreMembershipFactory

    waiting = TechnicalAssessment.objects.filter(proposal=proposal).exclude(
        status=TechnicalAssessment.Status.SUBMITTED
    )
    for assessment in waiting.select_related("request", "centre"):
        assessor = CentreMembershipFactory(centre=assessment.centre).user
        assessment_submit(
            assessment=assessment,
            by=assessor,
            outcome=TechnicalAssessment.Outcome.FEASIBLE,
            recommended_hours=assessment.request.hours,
        )


def advance(proposal: Proposal, *, to: str, officer=None) -> Proposal:
    """Take `proposal` to status `to` the way people do: along the call's evaluation path,
    through the services and the one door (submission by its creator, decisions by an officer,
    lapses by the portal). The shortest route in the workflow table is taken."""
    from applications.services.proposals import (
        proposal_submit,
        proposal_transition,
        proposal_withdraw,
    )
    from applications.workflow import Actor, workflow_for

    from .portal import ProgrammeOfficerFactory

    workflow = workflow_for(proposal.call)
    route: dict[str, list] = {proposal.status: []}
    frontier = [proposal.status]
    while frontier and to not in route:
        status = frontier.pop(0)
        for transition in workflow.transitions_from(status, proposal.call):
            if transition.target not in route:
                route[transition.target] = [*route[status], transition]
                frontier.append(transition.target)
    if to not in route:
        raise ValueError(f"No route from {proposal.status} to {to} on the {workflow.path} path")
    for transition in route[to]:
        # Committed (transaction=True tests), the portal may have taken a step itself: an
        # eligible first-come-first-served proposal starts its technical assessment.
        proposal.refresh_from_db(fields=["status", "version"])
        if proposal.status == transition.target:
            continue
        if transition.action == "submit":
            proposal = proposal_submit(proposal=proposal, by=proposal.created_by)
        elif transition.action == "withdraw":
            proposal = proposal_withdraw(
                proposal=proposal, by=proposal.created_by, reason="Funded elsewhere."
            )
        elif Actor.PROGRAMME_OFFICER in transition.actors:
            officer = officer or ProgrammeOfficerFactory()
            if transition.action in ("award", "waitlist", "reject"):
                _assess_all(proposal)
            if transition.action in ("open_reply", "send_to_panel"):
                # Neither the reply nor the panel before the reviews are in.
                from .reply import reviews_all_submitted

                reviews_all_submitted(proposal, officer=officer)
            if transition.action == "open_reply":
                from applications.services.replies import reply_open

                reply_open(proposal=proposal, by=officer)
                proposal.refresh_from_db()
                continue
            proposal = proposal_transition(
                proposal=proposal, action=transition.action, by=officer, reason="As decided."
            )
        elif Actor.APPLICANT in transition.actors:
            proposal = proposal_transition(
                proposal=proposal, action=transition.action, by=proposal.created_by
            )
        else:
            proposal = proposal_transition(proposal=proposal, action=transition.action, by=None)
    return proposal
