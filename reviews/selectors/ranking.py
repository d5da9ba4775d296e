"""Reads of the panel ranking of a peer-reviewed cut-off: the table (scores, spread, thresholds,
hours per partition, each pool's running total and funding line), the order and its versions,
and the funding-line plan that the table draws and the funding-line service applies.

Order rule, in one place (`ranking_order`): the proposals are sorted by weighted score, best
first; a proposal without a submitted review comes last; equal scores go to the proposal
submitted first, then to the lower id. While the panel is open, the officer's moves are
re-applied on top of that score order, oldest first (each puts its proposal at the position it
named), so a review arriving later re-sorts the rest and keeps every move the panel made. When
the panel closes, the order is frozen in its last version and read from there.

Funding line rule (`funding_plan`): in rank order, a proposal that passed every threshold and
has a score is awarded its recommended hours per request (at most what it asked) when every
pool it draws from is still open and has room; otherwise each pool it did not fit in closes (no
proposal below it leapfrogs the line), and it is waitlisted while the waitlist has room, else
rejected. A failed threshold or no submitted review is a rejection.

The table takes a fixed number of queries whatever the number of proposals and reviews.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.db.models import Count, F, Max, Min, Q, Sum

from allocations.models import Centre, Partition
from applications.models import CutOff, EvaluationCriterion, Proposal, ProposalStatus
from applications.models import ResourceRequest as Request
from reviews.models import (
    INACTIVE_ASSIGNMENT_STATUSES,
    CriterionScore,
    FundingLineApplication,
    PanelNote,
    PanelRanking,
    Review,
    ReviewAssignment,
    TechnicalAssessment,
)
from reviews.selectors.decisions import CutOffPools, cutoff_pools
from reviews.selectors.reviews import reviewer_numbers_of

S = ProposalStatus
# Proposals the panel ranks, and the ones it read before and now sees decided.
RANKED = (S.IN_REVIEW, S.IN_REPLY, S.IN_PANEL)
DECIDED = (S.AWARDED, S.WAITLISTED, S.REJECTED, S.ACCEPTED, S.DECLINED, S.LAPSED)
# Reviewers who differ by this many points on a criterion disagree.
DISAGREEMENT_POINTS = 2
_ZERO = Decimal(0)
# The proposal fields the ranking reads (table, funding line, API, decision door's arguments).
_ROW_FIELDS = (
    "id", "call_id", "cutoff_id", "organisation_id", "status",
    "reference", "title", "submitted_at",
)  # fmt: skip
_LONG_ANSWERS = (
    "abstract", "keywords", "ai_plan", "software_stack", "containers", "data_sources",
    "data_licences", "personal_data_measures", "ai_act_answers", "expected_impact",
    "withdrawal_reason", "pdf_error",
)  # fmt: skip


@dataclass
class CriterionFigure:
    criterion: EvaluationCriterion
    mean: Decimal | None = None
    spread: int | None = None

    # Read for every row by the funding line, the page and the API: worked out once.
    @cached_property
    def disagreement(self) -> bool:
        return self.spread is not None and self.spread >= DISAGREEMENT_POINTS

    @cached_property
    def passed(self) -> bool | None:
        """None when the criterion has no threshold or no score yet."""
        if self.criterion.threshold is None or self.mean is None:
            return None
        return self.mean >= self.criterion.threshold


@dataclass
class RequestFigure:
    request_id: int
    partition: str
    unit: str
    pool_id: int | None
    requested: Decimal
    recommended: Decimal | None  # None until the centre's assessment is submitted

    @property
    def need(self) -> Decimal:
        """What an award gives this request: the recommendation, at most what was asked."""
        if self.recommended is None:
            return self.requested
        return min(self.recommended, self.requested)


@dataclass
class RankingRow:
    proposal: Proposal
    weighted_score: Decimal | None
    criteria: list[CriterionFigure]
    reviews_submitted: int
    reviews_assigned: int
    requests: list[RequestFigure]
    notes: list[PanelNote] = field(default_factory=list)
    rank: int = 0
    # Per pool id: the running total of recommended hours down to this row (contenders only).
    running: dict[int, Decimal] = field(default_factory=dict)
    # Filled by ranking_table for the page: (pool plan, running total) per pool, the pools whose
    # funding line is drawn just above this row, and what the funding line decides for it.
    pool_cells: list = field(default_factory=list)
    lines_above: list = field(default_factory=list)
    planned: PlannedDecision | None = None

    @property
    def disagreement(self) -> bool:
        return any(c.disagreement for c in self.criteria)

    @property
    def note_count(self) -> int:
        return len(self.notes)

    @property
    def pk(self) -> int:
        """The proposal's id, read without the model's pk lookup (hundreds of rows, often)."""
        return self.proposal.id

    @cached_property
    def failed(self) -> list[str]:
        return [c.criterion.name for c in self.criteria if c.passed is False]

    @property
    def failed_threshold(self) -> bool:
        return bool(self.failed)

    @property
    def is_open(self) -> bool:
        return self.proposal.status in RANKED

    @property
    def contends(self) -> bool:
        """Whether the funding line can reach it: scored, every threshold passed, undecided."""
        return self.is_open and self.weighted_score is not None and not self.failed_threshold

    def needs(self) -> tuple[dict[int, Decimal], bool]:
        """Hours per pool an award takes, and whether some hours have no pool in the cut-off."""
        per_pool: dict[int, Decimal] = defaultdict(Decimal)
        unpooled = False
        for request in self.requests:
            if request.need <= 0:
                continue
            if request.pool_id is None:
                unpooled = True
            else:
                per_pool[request.pool_id] += request.need
        return dict(per_pool), unpooled


@dataclass
class PlannedDecision:
    proposal_id: int
    outcome: str  # award, waitlist, reject
    hours: dict[int, Decimal]  # request id -> hours (awards only)
    reason: str = ""

    def as_json(self) -> dict:
        return {
            "proposal": self.proposal_id,
            "outcome": self.outcome,
            "hours": {str(k): str(v) for k, v in self.hours.items()},
            "reason": self.reason,
        }


@dataclass
class PoolPlan:
    pool_id: int
    label: str
    unit: str
    free: Decimal  # free hours before the funding line
    awarded: Decimal = _ZERO
    # The proposal the pool ran out at (the line is drawn above it); None: it did not run out.
    ran_out_at: int | None = None

    @property
    def remaining(self) -> Decimal:
        return self.free - self.awarded

    def as_json(self) -> dict:
        return {
            "pool": self.pool_id,
            "label": self.label,
            "unit": self.unit,
            "free": str(self.free),
            "awarded": str(self.awarded),
            "ran_out_at": self.ran_out_at,
        }


@dataclass
class FundingPlan:
    decisions: list[PlannedDecision]
    pools: list[PoolPlan]

    def decision_of(self, proposal_id: int) -> PlannedDecision | None:
        return next((d for d in self.decisions if d.proposal_id == proposal_id), None)

    def count(self, outcome: str) -> int:
        return sum(1 for d in self.decisions if d.outcome == outcome)

    @property
    def summary(self) -> str:
        awarded, waiting, rejected = (self.count(o) for o in ("award", "waitlist", "reject"))
        return (
            f"{awarded} proposal{'s' if awarded != 1 else ''} awarded, {waiting} on the waiting "
            f"list, {rejected} rejected."
        )

    def as_json(self) -> dict:
        return {
            "decisions": [d.as_json() for d in self.decisions],
            "pools": [p.as_json() for p in self.pools],
        }

    @classmethod
    def from_json(cls, data: dict) -> FundingPlan:
        return cls(
            decisions=[
                PlannedDecision(
                    proposal_id=d["proposal"],
                    outcome=d["outcome"],
                    hours={int(k): Decimal(v) for k, v in d["hours"].items()},
                    reason=d.get("reason", ""),
                )
                for d in data.get("decisions", [])
            ],
            pools=[
                PoolPlan(
                    pool_id=p["pool"],
                    label=p["label"],
                    unit=p["unit"],
                    free=Decimal(p["free"]),
                    awarded=Decimal(p["awarded"]),
                    ran_out_at=p["ran_out_at"],
                )
                for p in data.get("pools", [])
            ],
        )


@dataclass
class RankingTable:
    cutoff: CutOff
    ranking: PanelRanking | None
    rows: list[RankingRow]
    criteria: list[EvaluationCriterion]
    plan: FundingPlan
    versions: list = field(default_factory=list)
    application: FundingLineApplication | None = None
    hidden: int = 0  # rows the viewer is conflicted with, left out

    @property
    def frozen(self) -> bool:
        return self.ranking is not None and self.ranking.is_frozen

    def lines_before(self, row: RankingRow) -> list[PoolPlan]:
        """The pools whose funding line is drawn just above `row`."""
        return [p for p in self.plan.pools if p.ran_out_at == row.pk]

    @property
    def pools_not_run_out(self) -> list[PoolPlan]:
        return [p for p in self.plan.pools if p.ran_out_at is None]


# --- order -----------------------------------------------------------------------------------


def score_order(rows: list[RankingRow]) -> list[int]:
    """Proposal ids by weighted score, best first; unscored last; ties to the earlier
    submission, then to the lower id."""

    def key(row: RankingRow):
        score = row.weighted_score
        return (score is None, -(score or _ZERO), row.proposal.submitted_at, row.pk)

    return [row.pk for row in sorted(rows, key=key)]


def apply_moves(order: list[int], moves: list[dict]) -> list[int]:
    """Re-apply the panel's moves, oldest first, each putting its proposal at the position it
    named (clamped to the list); a move of a proposal no longer ranked is skipped."""
    order = list(order)
    for move in moves:
        proposal = move.get("proposal")
        if proposal not in order:
            continue
        order.remove(proposal)
        position = max(1, min(int(move["to"]), len(order) + 1))
        order.insert(position - 1, proposal)
    return order


def moves_of(versions) -> list[dict]:
    """The moves among `versions`, oldest first."""
    return [v.change for v in sorted(versions, key=lambda v: v.number) if v.change.get("proposal")]


def ranking_order(rows: list[RankingRow], ranking: PanelRanking | None, versions) -> list[int]:
    """The order the panel sees now: the frozen version once closed (rows it does not know
    follow in score order), else the score order with the moves re-applied."""
    scored = score_order(rows)
    if ranking is not None and ranking.is_frozen and versions:
        frozen = max(versions, key=lambda v: v.number).order
        known = set(scored)
        order = [pk for pk in frozen if pk in known]
        return order + [pk for pk in scored if pk not in set(order)]
    return apply_moves(scored, moves_of(versions))


# --- rows ------------------------------------------------------------------------------------


def ranking_rows(cutoff: CutOff, *, pools: CutOffPools) -> tuple[list[RankingRow], list]:
    """Every ranked or decided proposal of the cut-off with its figures (unordered), and the
    call's criteria. Seven queries whatever the number of proposals and reviews."""
    criteria = list(EvaluationCriterion.objects.filter(call_id=cutoff.call_id))
    proposals = list(
        Proposal.objects.filter(cutoff=cutoff, status__in=(*RANKED, *DECIDED))
        # What the table, the funding line and the API read; the door re-reads a proposal it
        # changes, so hundreds of rows do not each carry the whole application (nor build an
        # organisation for its name).
        .only(*_ROW_FIELDS)
        .annotate(organisation_name=F("organisation__legal_name"))
    )
    ids = [p.pk for p in proposals]
    # Sums and counts from the database (a mean is then one exact division): three reviews
    # per proposal and a score per criterion each make thousands of rows otherwise.
    totals: dict[int, tuple[Decimal, int]] = {
        proposal_id: (total, n)
        for proposal_id, total, n in Review.objects.filter(
            proposal__cutoff=cutoff, status=Review.Status.SUBMITTED
        )
        .order_by()
        .values("proposal_id")
        .annotate(total=Sum("weighted_total"), n=Count("weighted_total"))
        .values_list("proposal_id", "total", "n")
        if n
    }
    scores: dict[tuple[int, int], tuple[int, int, int, int]] = {
        (proposal_id, criterion_id): (total, n, low, high)
        for proposal_id, criterion_id, total, n, low, high in CriterionScore.objects.filter(
            review__proposal__cutoff=cutoff,
            review__status=Review.Status.SUBMITTED,
            score__isnull=False,
        )
        .order_by()
        .values("review__proposal_id", "criterion_id")
        .annotate(total=Sum("score"), n=Count("score"), low=Min("score"), high=Max("score"))
        .values_list("review__proposal_id", "criterion_id", "total", "n", "low", "high")
    }
    assigned = dict(
        ReviewAssignment.objects.filter(proposal__cutoff=cutoff)
        .exclude(status__in=INACTIVE_ASSIGNMENT_STATUSES)
        .values("proposal_id")
        .annotate(n=Count("pk"))
        .values_list("proposal_id", "n")
    )
    recommended = {
        request_id: hours
        for request_id, hours in TechnicalAssessment.objects.filter(
            proposal__cutoff=cutoff, status=TechnicalAssessment.Status.SUBMITTED
        )
        .order_by()
        .values_list("request_id", "recommended_hours")
    }
    requests: dict[int, list[RequestFigure]] = defaultdict(list)
    # Plain values, not model instances: a cut-off's few partitions are named once each, and
    # hundreds of requests do not each build a request, a partition and a centre.
    partitions: dict[int, tuple[str, str]] = {}
    for pk, proposal_id, offered_id, hours, partition_id, system, name, centre, unit in (
        Request.objects.filter(proposal_id__in=ids)
        .order_by("pk")
        .values_list(
            "pk",
            "proposal_id",
            "offered_partition_id",
            "hours",
            "offered_partition__partition_id",
            "offered_partition__partition__system_name",
            "offered_partition__partition__name",
            "offered_partition__partition__centre__short_name",
            "offered_partition__partition__unit",
        )
    ):
        if partition_id not in partitions:
            named = Partition(
                system_name=system, name=name, unit=unit, centre=Centre(short_name=centre)
            )
            partitions[partition_id] = (str(named), named.unit_label)
        label, unit_label = partitions[partition_id]
        pool = pools.by_offered.get(offered_id)
        requests[proposal_id].append(
            RequestFigure(
                request_id=pk,
                partition=label,
                unit=unit_label,
                pool_id=pool.pk if pool is not None else None,
                requested=hours,
                # Submitted without hours: nothing recommended.
                recommended=(recommended[pk] or _ZERO) if pk in recommended else None,
            )
        )
    notes: dict[int, list[PanelNote]] = defaultdict(list)
    for note in PanelNote.objects.filter(proposal__cutoff=cutoff).select_related("author"):
        notes[note.proposal_id].append(note)
    rows = []
    for proposal in proposals:
        figures = []
        for criterion in criteria:
            given = scores.get((proposal.pk, criterion.pk))
            figures.append(
                CriterionFigure(criterion=criterion)
                if given is None
                else CriterionFigure(
                    criterion=criterion,
                    mean=Decimal(given[0]) / given[1],
                    spread=given[3] - given[2],
                )
            )
        total, submitted = totals.get(proposal.pk, (None, 0))
        rows.append(
            RankingRow(
                proposal=proposal,
                weighted_score=Decimal(total) / submitted if submitted else None,
                criteria=figures,
                reviews_submitted=submitted,
                reviews_assigned=assigned.get(proposal.pk, 0),
                requests=requests.get(proposal.pk, []),
                notes=notes.get(proposal.pk, []),
            )
        )
    return rows, criteria


def funding_plan(
    rows: list[RankingRow], pools: CutOffPools, *, waitlist_size: int = 0
) -> FundingPlan:
    """What the funding line decides for the open rows, in the order given (see the module's
    rule), and per pool the hours awarded and the proposal it ran out at. Also fills each row's
    running total per pool."""
    plans = {
        pool.pk: PoolPlan(
            pool_id=pool.pk,
            # The partition names the pool: within one cut-off each has one (the pool's own
            # label repeats the call and the cut-off the page already names).
            label=str(pool.partition),
            unit=pool.partition.unit_label,
            free=pools.free_of(pool.pk),
        )
        for pool in pools.pools
    }
    running: dict[int, Decimal] = defaultdict(Decimal)
    decisions: list[PlannedDecision] = []
    waitlisted = 0
    for row in rows:
        if not row.is_open:
            continue
        needs, unpooled = row.needs()
        if row.contends:
            for pool_id, hours in needs.items():
                running[pool_id] += hours
            # Only the pools the proposal draws from: a total it adds nothing to is noise.
            row.running = {pool_id: running[pool_id] for pool_id in needs}
        if row.weighted_score is None:
            decisions.append(
                PlannedDecision(row.pk, "reject", {}, "No review of it was submitted.")
            )
            continue
        if row.failed_threshold:
            names = ", ".join(row.failed)
            decisions.append(
                PlannedDecision(
                    row.pk,
                    "reject",
                    {},
                    f"The reviewers' mean score is below the threshold on: {names}.",
                )
            )
            continue
        if unpooled or not needs:
            decisions.append(
                PlannedDecision(
                    row.pk,
                    "reject",
                    {},
                    "The technical assessment recommends no hours this cut-off can hold.",
                )
            )
            continue
        short = [
            pool_id
            for pool_id, hours in needs.items()
            if plans[pool_id].ran_out_at is not None or hours > plans[pool_id].remaining
        ]
        if not short:
            for pool_id, hours in needs.items():
                plans[pool_id].awarded += hours
            decisions.append(
                PlannedDecision(
                    row.pk,
                    "award",
                    {r.request_id: r.need for r in row.requests if r.need > 0},
                )
            )
            continue
        for pool_id in short:
            if plans[pool_id].ran_out_at is None:
                plans[pool_id].ran_out_at = row.pk
        if waitlisted < waitlist_size:
            waitlisted += 1
            decisions.append(
                PlannedDecision(
                    row.pk,
                    "waitlist",
                    {},
                    "It ranked below the funding line of this cut-off; it is on the waiting "
                    f"list at place {waitlisted}.",
                )
            )
        else:
            decisions.append(
                PlannedDecision(
                    row.pk,
                    "reject",
                    {},
                    "It ranked below the funding line: the hours of this cut-off went to "
                    "proposals the panel ranked higher.",
                )
            )
    return FundingPlan(decisions=decisions, pools=list(plans.values()))


def ranking_table(*, cutoff: CutOff, hidden_from=None) -> RankingTable:
    """The ranking table of `cutoff`, in rank order. `hidden_from`, a reviewer, leaves out
    every row of a proposal they are conflicted with (its notes and scores with it); the
    funding lines are worked out on every row, as the panel sees them."""
    from reviews.selectors.conflicts import conflicted_pairs

    ranking = PanelRanking.objects.filter(cutoff=cutoff).select_related("frozen_by").first()
    versions = (
        list(ranking.versions.select_related("created_by").order_by("-number"))
        if ranking is not None
        else []
    )
    pools = cutoff_pools(cutoff=cutoff)
    rows, criteria = ranking_rows(cutoff, pools=pools)
    by_id = {row.pk: row for row in rows}
    ordered = [by_id[pk] for pk in ranking_order(rows, ranking, versions)]
    for rank, row in enumerate(ordered, start=1):
        row.rank = rank
    application = (
        FundingLineApplication.objects.filter(cutoff=cutoff).select_related("applied_by").first()
    )
    plan = funding_plan(ordered, pools)
    if application is not None:
        plan = FundingPlan.from_json(application.result)
    hidden = 0
    if hidden_from is not None:
        conflicted = {p for r, p in conflicted_pairs(cutoff) if r == hidden_from.pk}
        visible = [row for row in ordered if row.pk not in conflicted]
        hidden = len(ordered) - len(visible)
        ordered = visible
        # Lines drawn above a hidden row move down to the next visible one.
        visible_ids = [row.pk for row in ordered]
        all_ids = [pk for pk in ranking_order(rows, ranking, versions)]
        for pool in plan.pools:
            if pool.ran_out_at is not None and pool.ran_out_at not in visible_ids:
                after = all_ids[all_ids.index(pool.ran_out_at) :]
                pool.ran_out_at = next((pk for pk in after if pk in visible_ids), None)
        plan.decisions = [d for d in plan.decisions if d.proposal_id not in conflicted]
    planned = {d.proposal_id: d for d in plan.decisions}
    for row in ordered:
        row.pool_cells = [(pool, row.running.get(pool.pool_id)) for pool in plan.pools]
        row.lines_above = [p for p in plan.pools if p.ran_out_at == row.pk]
        row.planned = planned.get(row.pk)
    return RankingTable(
        cutoff=cutoff,
        ranking=ranking,
        rows=ordered,
        criteria=criteria,
        plan=plan,
        versions=versions,
        application=application,
        hidden=hidden,
    )


@dataclass
class PanelNotes:
    proposal: Proposal
    notes: list[PanelNote]
    frozen: bool  # the panel closed: no note is added any more


def panel_notes(*, cutoff: CutOff, proposal_id: int, hidden_from=None) -> PanelNotes | None:
    """The panel notes of one proposal the panel ranks (or has ranked), oldest first; None when
    it is not in the cut-off's ranking or `hidden_from`, a reviewer, is conflicted with it."""
    from reviews.selectors.conflicts import conflicted_pairs

    proposal = (
        Proposal.objects.filter(pk=proposal_id, cutoff=cutoff, status__in=(*RANKED, *DECIDED))
        .select_related("organisation")
        .defer(*_LONG_ANSWERS)
        .first()
    )
    if proposal is None:
        return None
    if hidden_from is not None and (hidden_from.pk, proposal.pk) in conflicted_pairs(cutoff):
        return None
    notes = list(PanelNote.objects.filter(proposal=proposal).select_related("author"))
    frozen = PanelRanking.objects.filter(cutoff=cutoff, frozen_at__isnull=False).exists()
    return PanelNotes(proposal=proposal, notes=notes, frozen=frozen)


def cutoff_for_ranking(*, pk: int) -> CutOff | None:
    """A cut-off of a peer-reviewed call (None for anything else: a 404)."""
    cutoff = CutOff.objects.select_related("call").filter(pk=pk).first()
    if cutoff is None or not cutoff.call.is_peer_reviewed:
        return None
    return cutoff


def panel_cutoffs_for_reviewer(*, reviewer) -> list[CutOff]:
    """Cut-offs of the calls the reviewer reviews for (terms accepted) whose proposals the panel
    ranks or has ranked, latest first."""
    from reviews.selectors.pool import accepted_terms_call_ids

    call_ids = accepted_terms_call_ids(user=reviewer)
    return list(
        CutOff.objects.filter(call_id__in=call_ids)
        .filter(Q(proposals__status__in=(*RANKED, *DECIDED)))
        .select_related("call")
        .distinct()
        .order_by("-at", "pk")
    )


def anonymised_review_comments(*, proposal_ids) -> dict[int, list[dict]]:
    """Per proposal, its submitted reviews' comments to the applicant as "Reviewer 1, 2, 3" (the
    numbering the applicant read with the right of reply: reviewer_numbers_of) with each
    criterion's name: never a name, an email, an affiliation, the comment to the panel or a
    panel note. Three queries."""
    numbers = reviewer_numbers_of(proposal_ids)
    reviews = (
        Review.objects.filter(proposal_id__in=proposal_ids, status=Review.Status.SUBMITTED)
        .order_by("proposal_id", "assignment_id")
        .prefetch_related("scores__criterion")
        .only("pk", "proposal_id", "assignment_id", "submitted_at")
    )
    comments: dict[int, list[dict]] = defaultdict(list)
    for review in reviews:
        said = [
            {"criterion": score.criterion.name, "comment": score.comment_to_applicant.strip()}
            for score in review.scores.all()
            if score.comment_to_applicant.strip()
        ]
        number = numbers.get(review.proposal_id, {}).get(review.assignment_id)
        if number is None:
            continue
        comments[review.proposal_id].append({"reviewer": f"Reviewer {number}", "comments": said})
    return {pk: [c for c in given if c["comments"]] for pk, given in comments.items()}
