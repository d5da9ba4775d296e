"""Benchmark data and figure of the panel ranking (see portal.benchmarking): the programme
officer's ranking page of a Large Scale cut-off whose proposals are all in the panel, each with
three submitted reviews scored on four weighted criteria (two with a threshold) and a submitted
technical assessment, over two pools.

The "ranked proposals" series measures it at 50 and 500 proposals (1,500 reviews, 6,000 criterion
scores at scale 1), so that time growing with rows stands out against the floor.
"""

from __future__ import annotations

from portal.benchmarking import BenchContext, bench_dataset, bench_figure, bench_series

REVIEWS_PER_PROPOSAL = 3
# (name, weight, threshold): two criteria with a threshold, so the page shows passed and failed.
CRITERIA = (
    ("Scientific excellence", "3", "3.0"),
    ("Impact", "2", None),
    ("Feasibility", "1", "2.0"),
    ("Team", "1", None),
)
REVIEWERS = 150


@bench_dataset
def ranking_cutoff(ctx: BenchContext) -> str:
    """A Large Scale call with a passed cut-off, its criteria, two GPU partitions each with a
    pool (room for about a third of the proposals), and the panel's reviewers; the "ranked
    proposals" series fills it."""
    from datetime import timedelta
    from decimal import Decimal

    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from allocations.catalogue import catalogue_seed
    from allocations.models import CapacityPool, Partition
    from applications.models import Call, CallPartition, CutOff, CutOffPool, EvaluationCriterion
    from portal.models import User

    now = timezone.now()
    if not Partition.objects.filter(kind=Partition.Kind.GPU).exists():
        catalogue_seed()
    partitions = list(Partition.objects.filter(kind=Partition.Kind.GPU).order_by("pk")[:2])
    call = Call.objects.create(
        title="Bench Large Scale call in panel",
        slug="bench-large-scale-panel",
        mode="large_scale",
        summary="Benchmark call.",
        description="Benchmark call for the panel ranking.",
        opens_at=now - timedelta(days=120),
        closes_at=now + timedelta(days=300),
        durations_months=[12],
        is_published=True,
    )
    cutoff = CutOff.objects.create(call=call, at=now - timedelta(days=60))
    offered = []
    for partition in partitions:
        item = CallPartition.objects.create(
            call=call, partition=partition, min_hours=1_000, max_hours=10**7
        )
        pool = CapacityPool.objects.create(
            partition=partition,
            label=f"bench panel {partition}",
            # About a third of 500 proposals' requests (their mean is 30,000 hours).
            hours=Decimal(ctx.count(500) * 30_000 // 3),
        )
        CutOffPool.objects.create(cutoff=cutoff, offered_partition=item, pool=pool)
        offered.append(item)
    criteria = EvaluationCriterion.objects.bulk_create(
        [
            EvaluationCriterion(
                call=call, name=name, weight=Decimal(weight), position=n,
                threshold=None if threshold is None else Decimal(threshold),
            )
            for n, (name, weight, threshold) in enumerate(CRITERIA)
        ]
    )  # fmt: skip
    password = make_password(None)
    reviewers = User.objects.bulk_create(
        [
            User(email=f"bench-panel-{n}@bench.invalid", first_name="Panel",
                 last_name=f"Reviewer {n}", password=password)
            for n in range(max(REVIEWS_PER_PROPOSAL, ctx.count(REVIEWERS)))
        ]
    )  # fmt: skip
    ctx.data.update(
        {
            "reviews.ranking_cutoff": cutoff,
            "reviews.ranking_offered": offered,
            "reviews.ranking_criteria": criteria,
            "reviews.ranking_reviewers": reviewers,
            "reviews.ranking_proposals": 0,
        }
    )
    return (
        f"1 Large Scale cut-off in panel with {len(criteria)} criteria, {len(offered)} pools "
        f"and {len(reviewers)} reviewers"
    )


@bench_series("ranked proposals", small=50, large=500)
def ranked_proposals(ctx: BenchContext, n: int) -> str:
    """Proposals in the panel, each asking hours on one or both partitions (assessed, a
    recommendation on each request), with three accepted assignments and three submitted
    reviews scored on every criterion. Written in bulk: the scores are spread so that some
    proposals fail a threshold and some reviewers disagree."""
    from datetime import date, timedelta
    from decimal import Decimal

    from django.utils import timezone

    from applications.models import Proposal, ResourceRequest
    from applications.services.proposals import cutoff_counts_rebuild
    from portal.models import Organisation
    from reviews.models import CriterionScore, Review, ReviewAssignment, TechnicalAssessment

    batch = 1000
    cutoff = ctx.data["reviews.ranking_cutoff"]
    offered = ctx.data["reviews.ranking_offered"]
    criteria = ctx.data["reviews.ranking_criteria"]
    reviewers = ctx.data["reviews.ranking_reviewers"]
    done = ctx.data["reviews.ranking_proposals"]
    now = timezone.now()
    organisations = Organisation.objects.bulk_create(
        [
            Organisation(
                legal_name=f"Bench Panel Applicant {i}", country="DE",
                registration_number=f"BENCH-P-{i:06d}", founded_on=date(2021, 1, 1),
                employees=40, annual_turnover_eur=Decimal(2_000_000),
                balance_sheet_eur=Decimal(2_000_000),
            )
            for i in range(done, n)
        ],
        batch_size=batch,
    )  # fmt: skip
    proposals = Proposal.objects.bulk_create(
        [
            Proposal(
                call=cutoff.call, cutoff=cutoff, organisation=org, status="in_panel",
                reference=f"AIF-LS-BENCH-{i:05d}",
                submitted_at=now - timedelta(days=60, minutes=n - i),
                title=f"Training a foundation model for materials science {i}",
                acronym=f"P{i}", abstract="We train a foundation model on simulations. " * 20,
            )
            for i, org in zip(range(done, n), organisations, strict=True)
        ],
        batch_size=batch,
    )  # fmt: skip
    # One proposal in three asks on both partitions.
    requests = ResourceRequest.objects.bulk_create(
        [
            ResourceRequest(
                proposal=proposal, offered_partition=offered[k],
                hours=Decimal(20_000 + (i % 5) * 5_000), job_size=64, duration_months=12,
                justification="Benchmark request. " * 10,
            )
            for i, proposal in zip(range(done, n), proposals, strict=True)
            for k in range(len(offered) if i % 3 == 0 else 1)
        ],
        batch_size=batch,
    )  # fmt: skip
    TechnicalAssessment.objects.bulk_create(
        [
            TechnicalAssessment(
                request=request, proposal_id=request.proposal_id,
                centre_id=request.offered_partition.partition.centre_id, status="submitted",
                outcome="feasible", deadline=now - timedelta(days=30),
                # Four in five get what they asked, the others a quarter less.
                recommended_hours=request.hours * (Decimal("0.75") if request.pk % 5 == 0 else 1),
                submitted_at=now - timedelta(days=31),
            )
            for request in requests
        ],
        batch_size=batch,
    )  # fmt: skip
    assignments = ReviewAssignment.objects.bulk_create(
        [
            ReviewAssignment(
                proposal=proposal, reviewer=reviewers[(i * 7 + r * 53) % len(reviewers)],
                status="submitted", source="automatic", answered_at=now - timedelta(days=40),
                deadline=now - timedelta(days=10),
            )
            for i, proposal in zip(range(done, n), proposals, strict=True)
            for r in range(REVIEWS_PER_PROPOSAL)
        ],
        batch_size=batch,
    )  # fmt: skip

    def score(a: int, c: int) -> int:
        # Deterministic and varied: a proposal's level per criterion (some fail the excellence
        # threshold), its reviewers mostly within a point, and one proposal in seven where the
        # third reviewer differs by two (a disagreement).
        p, r = divmod(a, REVIEWS_PER_PROPOSAL)
        level = 1 + (p * 7 + c * 3) % 5
        shift = (0, 1, 2 if p % 7 == 0 else -1)[r]
        return max(1, min(5, level + shift))

    scores = {
        assignment.pk: [score(a, c) for c in range(len(criteria))]
        for a, assignment in enumerate(assignments)
    }
    reviews = Review.objects.bulk_create(
        [
            Review(
                assignment=assignment, proposal_id=assignment.proposal_id,
                reviewer_id=assignment.reviewer_id, status="submitted", confidence="high",
                recommendation="fund", comment_to_panel="Solid plan; the budget is tight.",
                weighted_total=sum(
                    (c.weight * s for c, s in zip(criteria, scores[assignment.pk], strict=True)),
                    Decimal(0),
                ),
                submitted_at=now - timedelta(days=20),
            )
            for assignment in assignments
        ],
        batch_size=batch,
    )  # fmt: skip
    CriterionScore.objects.bulk_create(
        [
            CriterionScore(
                review=review, criterion=criterion, score=given,
                comment_to_applicant="The plan is sound; show the data pipeline's throughput.",
            )
            for review in reviews
            for criterion, given in zip(criteria, scores[review.assignment.pk], strict=True)
        ],
        batch_size=batch,
    )  # fmt: skip
    cutoff_counts_rebuild(cutoff=cutoff)
    ctx.data["reviews.ranking_proposals"] = n
    total = Review.objects.filter(proposal__cutoff=cutoff).count()
    return f"the panel cut-off now holds {n:,} proposals in the panel and {total:,} reviews"


@bench_figure("officer panel ranking of a cut-off", series="ranked proposals")
def bench_officer_ranking(ctx: BenchContext):
    from django.urls import reverse

    cutoff = ctx.data["reviews.ranking_cutoff"]
    url = reverse("reviews:ranking", kwargs={"pk": cutoff.pk})
    return ctx.page(url, user=ctx.data["portal.officer"])
