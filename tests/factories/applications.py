from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from applications.models import (
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
    at = factory.LazyFunction(
        lambda: (timezone.now() + timedelta(days=14)).replace(minute=0, second=0, microsecond=0)
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


class ProposalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Proposal

    cutoff = factory.SubFactory(CutOffFactory)
    call = factory.SelfAttribute("cutoff.call")
    organisation = factory.SubFactory(OrganisationFactory)
    created_by = factory.SubFactory(UserFactory)
    pi = factory.SelfAttribute("created_by")
    title = factory.Sequence(lambda n: f"Foundation model for European languages {n}")
    acronym = factory.Sequence(lambda n: f"FMEL{n}")
    abstract = "We pre-train a 7B-parameter multilingual model on curated European corpora."


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
