"""Automatic reviewer assignment as a pure service: `Problem` in, `Result` out, no database.

`problem` holds the inputs and the cost model, `solver` the optimal min-cost-flow assignment and
replacement suggestions, `explain` the reasons (pairs, shortfalls) and the comparison of two runs.
"""

from .explain import DroppedPair, RunDiff, Shortfall, ShortfallCause, describe_pair, diff
from .problem import (
    DEFAULT_REVIEWERS_PER_PROPOSAL,
    Bid,
    CostWeights,
    PairCost,
    Problem,
    ProposalNeed,
    ReviewerOffer,
)
from .solver import (
    AssignedReviewer,
    Replacement,
    Result,
    ReviewerLoad,
    SolverError,
    Status,
    replacement_for,
    solve,
)

__all__ = [
    "DEFAULT_REVIEWERS_PER_PROPOSAL",
    "AssignedReviewer",
    "Bid",
    "CostWeights",
    "DroppedPair",
    "PairCost",
    "Problem",
    "ProposalNeed",
    "Replacement",
    "Result",
    "ReviewerLoad",
    "ReviewerOffer",
    "RunDiff",
    "Shortfall",
    "ShortfallCause",
    "SolverError",
    "Status",
    "describe_pair",
    "diff",
    "replacement_for",
    "solve",
]
