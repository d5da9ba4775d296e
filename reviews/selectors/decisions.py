"""Reads of first-come-first-served decisions: a cut-off's proposals ready for a decision (in
submission order, the order FCFS decides in), its waitlisted proposals that fit in the hours
now free, and one proposal's requests with their assessments and pools. Each list takes a fixed
number of queries whatever its length."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DecimalField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from allocations.models import CapacityPool
from allocations.selectors import PoolFigures, pool_figures
from applications.hooks import submitted_q, was_submitted
from applications.models import CutOff, CutOffPool, Proposal, ProposalStatus, ResourceRequest
from applications.modes import EvaluationPath
from applications.workflow import workflow_for
from reviews.models import TechnicalAssessment

# Where a first-come-first-served proposal waits for its decision.
DECIDING = ProposalStatus.IN_REVIEW
WAITLISTED = ProposalStatus.WAITLISTED
_ZERO = Decimal(0)
_HOURS = DecimalField(max_digits=16, decimal_places=2)


def is_fcfs(call) -> bool:
    return workflow_for(call).path == EvaluationPath.FCFS


def _with_hours(qs: QuerySet[Proposal]) -> QuerySet[Proposal]:
    """Each proposal with its requested and recommended hours and how many of its assessments
    are still to come, as subqueries (no row multiplication, one query for the list)."""
    requested = (
        ResourceRequest.objects.filter(proposal=OuterRef("pk"))
        .order_by()
        .values("proposal")
        .annotate(total=Sum("hours"))
        .values("total")
    )
    assessments = TechnicalAssessment.objects.filter(proposal=OuterRef("pk")).order_by()
    recommended = (
        assessments.filter(status=TechnicalAssessment.Status.SUBMITTED)
        .values("proposal")
        .annotate(total=Sum("recommended_hours"))
        .values("total")
    )
    waiting = (
        assessments.exclude(status=TechnicalAssessment.Status.SUBMITTED)
        .values("proposal")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return qs.select_related("organisation", "call").annotate(
        requested_hours=Coalesce(Subquery(requested, output_field=_HOURS), Value(_ZERO)),
        recommended_hours=Subquery(recommended, output_field=_HOURS),
        assessments_waiting=Coalesce(Subquery(waiting), Value(0)),
    )


def proposals_deciding(*, cutoff: CutOff) -> list[Proposal]:
    """The cut-off's proposals under technical assessment, in submission order; each with
    `requested_hours`, `recommended_hours` (None before any assessment) and
    `assessments_waiting` (0: ready for a decision)."""
    qs = Proposal.objects.filter(submitted_q(), cutoff=cutoff, status=DECIDING)
    return list(_with_hours(qs).order_by("submitted_at", "pk"))


def proposals_waitlisted(*, cutoff: CutOff) -> list[Proposal]:
    qs = Proposal.objects.filter(cutoff=cutoff, status=WAITLISTED)
    return list(_with_hours(qs).order_by("submitted_at", "pk"))


@dataclass
class CutOffPools:
    """The cut-off's pools by offered partition, with their figures (free hours)."""

    by_offered: dict[int, CapacityPool] = field(default_factory=dict)
    figures: dict[int, PoolFigures] = field(default_factory=dict)

    def free_of(self, pool_id: int) -> Decimal:
        return self.figures[pool_id].free

    @property
    def pools(self) -> list[CapacityPool]:
        return sorted(self.by_offered.values(), key=lambda p: (p.label, p.pk))


def cutoff_pools(*, cutoff: CutOff) -> CutOffPools:
    """Two queries: the pool links, and the figures of every pool."""
    links = CutOffPool.objects.filter(cutoff=cutoff).select_related("pool__partition__centre")
    by_offered = {link.offered_partition_id: link.pool for link in links}
    return CutOffPools(by_offered, pool_figures(by_offered.values()))


def _need(request: ResourceRequest, assessment: TechnicalAssessment | None) -> Decimal:
    """The hours an award would give a request: the centre's recommendation once it is in,
    else the hours requested."""
    if assessment is not None and assessment.is_submitted:
        return assessment.recommended_hours or _ZERO
    return request.hours


def waitlisted_that_fit(
    cutoff: CutOff,
    *,
    waitlisted: list[Proposal] | None = None,
    pools: CutOffPools | None = None,
) -> list[Proposal]:
    """The cut-off's waitlisted proposals whose hours (as the centres recommend them) fit, each
    on its own, in what the pools have free now; in submission order, the order in which they
    are awarded. A page that has read the waitlist and the pools passes them in. A fixed number
    of queries whatever the number of proposals."""
    waitlisted = proposals_waitlisted(cutoff=cutoff) if waitlisted is None else waitlisted
    pools = cutoff_pools(cutoff=cutoff) if pools is None else pools
    in_waitlist = {"proposal__cutoff": cutoff, "proposal__status": WAITLISTED}
    requests = ResourceRequest.objects.filter(**in_waitlist).only(
        "pk", "proposal_id", "offered_partition_id", "hours"
    )
    assessments = {
        a.request_id: a
        for a in TechnicalAssessment.objects.filter(**in_waitlist).only(
            "request_id", "status", "recommended_hours"
        )
    }
    needs: dict[int, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    unpooled: set[int] = set()
    for request in requests:
        pool = pools.by_offered.get(request.offered_partition_id)
        need = _need(request, assessments.get(request.pk))
        if pool is None:
            if need:
                unpooled.add(request.proposal_id)
            continue
        needs[request.proposal_id][pool.pk] += need
    fitting = []
    for proposal in waitlisted:
        wanted = needs.get(proposal.pk, {})
        if proposal.pk in unpooled or not any(wanted.values()):
            continue
        if all(hours <= pools.free_of(pool_id) for pool_id, hours in wanted.items()):
            fitting.append(proposal)
    return fitting


def proposal_for_decision(*, pk: int) -> Proposal | None:
    """A submitted first-come-first-served proposal (None for anything else: a 404)."""
    proposal = (
        Proposal.objects.select_related("call", "cutoff", "organisation").filter(pk=pk).first()
    )
    if proposal is None or not was_submitted(proposal) or not is_fcfs(proposal.call):
        return None
    return proposal
