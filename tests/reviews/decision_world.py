"""First-come-first-served proposals ready for a decision, for the decision tests: a Fast Lane
cut-off with one pool per offered partition, proposals taken through the door into technical
assessment, and every centre's assessment submitted."""

from __future__ import annotations

from decimal import Decimal

from applications.models import Proposal, ProposalStatus
from reviews.models import TechnicalAssessment
from reviews.services.assessments import (
    assessment_submit,
    assessments_open,
    review_start_if_fcfs,
)
from tests.factories import (
    CentreMembershipFactory,
    CutOffPoolFactory,
    ResourceRequestFactory,
    SubmittableProposalFactory,
    advance,
)

PANEL_SECRET = "Queue times are long in December; 80% is realistic between us."
TO_APPLICANT = "Plan checkpoints every 4 hours: jobs stop after 48 hours."


def fcfs_cutoff(*, pool_hours=Decimal(100_000), partitions: int = 1):
    """A Fast Lane cut-off with `partitions` offered partitions, each with a pool."""
    first = CutOffPoolFactory(pool__hours=pool_hours, pool__label="Spring pool A")
    links = [first]
    for n in range(1, partitions):
        links.append(
            CutOffPoolFactory(
                cutoff=first.cutoff,
                pool__hours=pool_hours,
                pool__label=f"Spring pool {'ABCDEFGH'[n]}",
            )
        )
    return first.cutoff, links


def ready_proposal(
    cutoff, links, *, hours=(Decimal(20_000),), recommended=None, officer=None, assess=True
) -> Proposal:
    """A proposal of `cutoff` asking `hours` on each of `links`' partitions, in technical
    assessment, every assessment submitted with `recommended` hours (default: as requested)."""
    proposal = SubmittableProposalFactory(
        cutoff=cutoff,
        request__offered_partition=links[0].offered_partition,
        request__hours=hours[0],
    )
    for link, asked in zip(links[1:], hours[1:], strict=False):
        ResourceRequestFactory(
            proposal=proposal, offered_partition=link.offered_partition, hours=asked
        )
    # Committed (transaction=True tests), eligibility opens the assessments and starts the
    # review itself; inside a test's transaction it is done here.
    advance(proposal, to=ProposalStatus.ELIGIBLE, officer=officer)
    proposal = Proposal.objects.get(pk=proposal.pk)
    assessments_open(proposal=proposal)
    proposal = review_start_if_fcfs(proposal=proposal)
    if assess:
        for n, assessment in enumerate(
            TechnicalAssessment.objects.filter(proposal=proposal).select_related("request")
        ):
            rec = assessment.request.hours
            if recommended is not None:
                rec = recommended[n] if isinstance(recommended, tuple) else recommended
            assessment_submit(
                assessment=assessment,
                by=CentreMembershipFactory(centre=assessment.centre).user,
                outcome=TechnicalAssessment.Outcome.FEASIBLE_WITH_CHANGES,
                recommended_hours=rec,
                comment_to_applicant=TO_APPLICANT,
                comment_to_panel=PANEL_SECRET,
            )
    return Proposal.objects.get(pk=proposal.pk)
