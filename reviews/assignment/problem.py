"""The inputs of an automatic reviewer assignment, as plain frozen values.

Nothing here reads the database: the pages and the saved runs build a `Problem` from the models
and hand it to `reviews.assignment.solver`. Keeping the inputs pure is what lets the solver be
tested against a brute-force optimum and be replayed from a saved run (`Problem.as_json()` and
`Problem.from_json()`).

Costs are integers (the min-cost-flow solver works on integers): a pair's cost is the sum of a bid
term, a keyword term and a field term (lower is better), and each reviewer's load adds a convex
term: their k-th review costs `load_step * (k - 1)`, so every extra review costs more than the
last and the optimum spreads the work.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Any

DEFAULT_REVIEWERS_PER_PROPOSAL = 3

Pair = tuple[int, int]  # (reviewer id, proposal id)


class Bid(enum.StrEnum):
    EAGER = "eager"
    WILLING = "willing"
    NONE = "none"  # no bid made
    RATHER_NOT = "rather_not"

    @property
    def label(self) -> str:
        return {
            "eager": "eager",
            "willing": "willing",
            "none": "no bid",
            "rather_not": "rather not",
        }[self.value]


def _terms(values: Iterable[str]) -> frozenset[str]:
    """Keywords and fields compared case- and space-insensitively."""
    return frozenset(" ".join(value.split()).casefold() for value in values if value.strip())


@dataclass(frozen=True)
class ProposalNeed:
    id: int
    reviewers_wanted: int = DEFAULT_REVIEWERS_PER_PROPOSAL
    keywords: frozenset[str] = frozenset()
    fields: frozenset[str] = frozenset()

    def __post_init__(self):
        if self.reviewers_wanted < 0:
            raise ValueError(f"Proposal {self.id}: reviewers wanted cannot be negative.")
        object.__setattr__(self, "keywords", _terms(self.keywords))
        object.__setattr__(self, "fields", _terms(self.fields))


@dataclass(frozen=True)
class ReviewerOffer:
    id: int
    load_cap: int  # reviews at most in this cut-off
    current_load: int = 0  # reviews already assigned in this cut-off outside this problem
    keywords: frozenset[str] = frozenset()
    fields: frozenset[str] = frozenset()

    def __post_init__(self):
        if self.load_cap < 0 or self.current_load < 0:
            raise ValueError(f"Reviewer {self.id}: load cap and load cannot be negative.")
        object.__setattr__(self, "keywords", _terms(self.keywords))
        object.__setattr__(self, "fields", _terms(self.fields))


@dataclass(frozen=True)
class CostWeights:
    """What each term costs, in integer points. Bids rank eager < willing < none < rather not."""

    eager: int = 0
    willing: int = 10
    no_bid: int = 25
    rather_not: int = 80
    keywords: int = 40  # times the share of the proposal's keywords the reviewer lacks
    fields: int = 20  # when the reviewer shares none of the proposal's fields
    load_step: int = 15  # the k-th review of a reviewer costs load_step * (k - 1)

    def __post_init__(self):
        for name, value in self.__dict__.items():
            if not isinstance(value, int) or value < 0:
                raise ValueError(f"Cost weight {name} must be a non-negative integer.")

    def bid(self, bid: Bid) -> int:
        if bid is Bid.EAGER:
            return self.eager
        if bid is Bid.WILLING:
            return self.willing
        return self.rather_not if bid is Bid.RATHER_NOT else self.no_bid

    def marginal_load(self, k: int) -> int:
        """The cost of a reviewer's k-th review in the cut-off (k >= 1)."""
        return self.load_step * (k - 1)


@dataclass(frozen=True)
class PairCost:
    """Why a reviewer suits a proposal: the terms of the pair's cost."""

    bid: Bid
    shared_keywords: tuple[str, ...]
    shared_fields: tuple[str, ...]
    bid_cost: int
    keyword_cost: int
    field_cost: int

    @property
    def total(self) -> int:
        return self.bid_cost + self.keyword_cost + self.field_cost


@dataclass(frozen=True)
class Problem:
    """One cut-off's assignment: who is wanted, who is offered, and what binds them.

    `existing` are the assignments already made; with `fill_gaps_only` they are all kept and only
    the missing reviewers are found, otherwise only the `pinned` ones are kept and the rest are
    chosen again. Conflicts and declined pairs are hard exclusions: such a pair is never assigned,
    not even when it exists or is pinned (it is then reported as dropped).
    """

    proposals: tuple[ProposalNeed, ...]
    reviewers: tuple[ReviewerOffer, ...]
    bids: Mapping[Pair, Bid] = field(default_factory=dict)
    conflicts: frozenset[Pair] = frozenset()
    declined: frozenset[Pair] = frozenset()
    existing: frozenset[Pair] = frozenset()
    pinned: frozenset[Pair] = frozenset()
    fill_gaps_only: bool = False
    weights: CostWeights = CostWeights()

    def __post_init__(self):
        # Stable order whatever order the caller built the inputs in: the solver's network, and
        # so its answer, depends on the inputs only.
        proposals = tuple(sorted(self.proposals, key=lambda p: p.id))
        reviewers = tuple(sorted(self.reviewers, key=lambda r: r.id))
        for kind, items in (("proposal", proposals), ("reviewer", reviewers)):
            ids = [item.id for item in items]
            if len(set(ids)) != len(ids):
                raise ValueError(f"A {kind} appears twice.")
        object.__setattr__(self, "proposals", proposals)
        object.__setattr__(self, "reviewers", reviewers)
        bids = {(r, p): Bid(b) for (r, p), b in self.bids.items()}
        object.__setattr__(self, "bids", MappingProxyType(dict(sorted(bids.items()))))
        for name in ("conflicts", "declined", "existing", "pinned"):
            object.__setattr__(self, name, frozenset(getattr(self, name)))
        proposal_ids = {p.id for p in proposals}
        reviewer_ids = {r.id for r in reviewers}
        for name in ("bids", "conflicts", "declined", "existing", "pinned"):
            for reviewer, proposal in getattr(self, name):
                if reviewer not in reviewer_ids or proposal not in proposal_ids:
                    raise ValueError(
                        f"{name.capitalize()} name reviewer {reviewer} and proposal {proposal}, "
                        "which are not both in the problem."
                    )
        if not self.pinned <= self.existing:
            raise ValueError("A pinned assignment must be an existing one.")

    # --- reading -----------------------------------------------------------------------------

    def excluded(self, pair: Pair) -> bool:
        return pair in self.conflicts or pair in self.declined

    def kept(self) -> frozenset[Pair]:
        """The existing assignments this run keeps (never an excluded pair)."""
        keep = self.existing if self.fill_gaps_only else self.pinned
        return frozenset(pair for pair in keep if not self.excluded(pair))

    def pair_cost(self, reviewer: ReviewerOffer, proposal: ProposalNeed) -> PairCost:
        weights = self.weights
        bid = self.bids.get((reviewer.id, proposal.id), Bid.NONE)
        shared_keywords = tuple(sorted(proposal.keywords & reviewer.keywords))
        shared_fields = tuple(sorted(proposal.fields & reviewer.fields))
        if proposal.keywords:
            # weights.keywords * lacking / total, rounded half up, in integers (exact, fast).
            total = len(proposal.keywords)
            lacking = total - len(shared_keywords)
            keyword_cost = (2 * weights.keywords * lacking + total) // (2 * total)
        else:
            keyword_cost = weights.keywords  # nothing to go by: the same for every reviewer
        field_cost = 0 if shared_fields else weights.fields
        return PairCost(
            bid=bid,
            shared_keywords=shared_keywords,
            shared_fields=shared_fields,
            bid_cost=weights.bid(bid),
            keyword_cost=keyword_cost,
            field_cost=field_cost,
        )

    @cached_property
    def _bid_costs(self) -> dict[Bid, int]:
        return {bid: self.weights.bid(bid) for bid in Bid}

    def pair_total(self, reviewer: ReviewerOffer, proposal: ProposalNeed) -> int:
        """`pair_cost(...).total` without its explanation: the network has an arc per allowed
        pair (75,000 in the benchmark), and only the chosen ones need explaining."""
        weights = self.weights
        total = self._bid_costs[self.bids.get((reviewer.id, proposal.id), Bid.NONE)]
        if proposal.keywords:
            count = len(proposal.keywords)
            lacking = count - len(proposal.keywords & reviewer.keywords)
            total += (2 * weights.keywords * lacking + count) // (2 * count)
        else:
            total += weights.keywords
        if proposal.fields.isdisjoint(reviewer.fields):
            total += weights.fields
        return total

    def assignment_cost(self, pairs: Iterable[Pair]) -> int:
        """The objective of a whole assignment (kept pairs included): the pairs' costs plus each
        reviewer's convex load cost, counted from the load they already carry elsewhere."""
        proposals = {p.id: p for p in self.proposals}
        reviewers = {r.id: r for r in self.reviewers}
        total = 0
        loads: dict[int, int] = {}
        for reviewer, proposal in pairs:
            total += self.pair_cost(reviewers[reviewer], proposals[proposal]).total
            loads[reviewer] = loads.get(reviewer, 0) + 1
        for reviewer, load in loads.items():
            start = reviewers[reviewer].current_load
            total += sum(self.weights.marginal_load(k) for k in range(start + 1, start + load + 1))
        return total

    # --- saving ------------------------------------------------------------------------------

    def as_json(self) -> dict[str, Any]:
        """The inputs as JSON-ready data, in a stable order (for a saved run)."""
        return {
            "proposals": [
                {
                    "id": p.id,
                    "reviewers_wanted": p.reviewers_wanted,
                    "keywords": sorted(p.keywords),
                    "fields": sorted(p.fields),
                }
                for p in self.proposals
            ],
            "reviewers": [
                {
                    "id": r.id,
                    "load_cap": r.load_cap,
                    "current_load": r.current_load,
                    "keywords": sorted(r.keywords),
                    "fields": sorted(r.fields),
                }
                for r in self.reviewers
            ],
            "bids": [[r, p, bid.value] for (r, p), bid in self.bids.items()],
            "conflicts": sorted([list(pair) for pair in self.conflicts]),
            "declined": sorted([list(pair) for pair in self.declined]),
            "existing": sorted([list(pair) for pair in self.existing]),
            "pinned": sorted([list(pair) for pair in self.pinned]),
            "fill_gaps_only": self.fill_gaps_only,
            "weights": dict(self.weights.__dict__),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Problem:
        def pairs(name: str) -> frozenset[Pair]:
            return frozenset((int(r), int(p)) for r, p in data.get(name, ()))

        return cls(
            proposals=tuple(
                ProposalNeed(
                    id=int(p["id"]),
                    reviewers_wanted=int(p["reviewers_wanted"]),
                    keywords=frozenset(p.get("keywords", ())),
                    fields=frozenset(p.get("fields", ())),
                )
                for p in data["proposals"]
            ),
            reviewers=tuple(
                ReviewerOffer(
                    id=int(r["id"]),
                    load_cap=int(r["load_cap"]),
                    current_load=int(r.get("current_load", 0)),
                    keywords=frozenset(r.get("keywords", ())),
                    fields=frozenset(r.get("fields", ())),
                )
                for r in data["reviewers"]
            ),
            bids={(int(r), int(p)): Bid(b) for r, p, b in data.get("bids", ())},
            conflicts=pairs("conflicts"),
            declined=pairs("declined"),
            existing=pairs("existing"),
            pinned=pairs("pinned"),
            fill_gaps_only=bool(data.get("fill_gaps_only", False)),
            weights=CostWeights(**data.get("weights", {})),
        )
