"""The funding line of a cut-off: preview it, then apply it, from the panel's frozen ranking only.

The plan is reviews.selectors.ranking.funding_plan (the table draws the same lines). Applying it
takes every decision through reviews.services.decisions (the door, the pools' reservations, the
held mails) in one transaction with the cut-off's FundingLineApplication row. The ranking row is
locked first, so a second application at the same moment waits, then finds the first one and is
refused; the unique cut-off of FundingLineApplication backs that up. Any decision that fails
(a pool short of hours since the preview, a proposal withdrawn) rolls every decision back.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from applications.deadlines import format_deadline
from applications.models import CutOff, Proposal, ProposalStatus
from portal.services.activity import activity_record
from reviews.models import FundingLineApplication, PanelRanking
from reviews.selectors import ranking as selectors
from reviews.services import decisions

PERM = decisions.PERM
WAITLIST_MAX = 100


@dataclass
class FundingLinePreview:
    table: selectors.RankingTable
    plan: selectors.FundingPlan
    waitlist_size: int
    # Proposals of the ranking not yet sent to the panel: applying is refused until they are.
    not_in_panel: list[Proposal]


def _require_officer(by) -> None:
    if by is None or not by.has_perm(PERM):
        raise PermissionDenied("Only programme officers apply the funding line.")


def _clean_waitlist(waitlist_size) -> int:
    try:
        size = int(waitlist_size)
    except (TypeError, ValueError):
        raise ValidationError(
            {"waitlist_size": ["The waiting list size is a whole number."]}
        ) from None
    if not 0 <= size <= WAITLIST_MAX:
        raise ValidationError(
            {"waitlist_size": [f"Keep the waiting list between 0 and {WAITLIST_MAX}."]}
        )
    return size


def _frozen_ranking(cutoff: CutOff, *, lock: bool) -> PanelRanking:
    qs = PanelRanking.objects.filter(cutoff=cutoff)
    ranking = (qs.select_for_update() if lock else qs).first()
    if ranking is None or not ranking.is_frozen:
        raise ValidationError(
            "Close the panel first: the funding line is applied from the frozen ranking only.",
            code="not_frozen",
        )
    return ranking


def _refuse_if_applied(cutoff: CutOff) -> None:
    applied = FundingLineApplication.objects.filter(cutoff=cutoff).first()
    if applied is not None:
        raise ValidationError(
            "The funding line of this cut-off was applied on %(when)s; it is applied once.",
            code="applied",
            params={"when": format_deadline(applied.applied_at, None)},
        )


def funding_line_blocker(*, cutoff: CutOff) -> str:
    """Why the funding line cannot be previewed now ("" when it can)."""
    try:
        _frozen_ranking(cutoff, lock=False)
        _refuse_if_applied(cutoff)
    except ValidationError as exc:
        return " ".join(exc.messages)
    return ""


def funding_line_preview(*, cutoff: CutOff, waitlist_size, by) -> FundingLinePreview:
    """What applying the funding line would decide now, per proposal and per pool."""
    _require_officer(by)
    size = _clean_waitlist(waitlist_size)
    _frozen_ranking(cutoff, lock=False)
    _refuse_if_applied(cutoff)
    table = selectors.ranking_table(cutoff=cutoff)
    plan = selectors.funding_plan(
        table.rows, selectors.cutoff_pools(cutoff=cutoff), waitlist_size=size
    )
    not_in_panel = [
        row.proposal
        for row in table.rows
        if row.is_open and row.proposal.status != ProposalStatus.IN_PANEL
    ]
    return FundingLinePreview(table, plan, size, not_in_panel)


@transaction.atomic
def funding_line_apply(
    *, cutoff: CutOff, waitlist_size, by, with_review_comments: bool = True
) -> FundingLineApplication:
    """Apply the funding line of the frozen ranking: award, waitlist and reject as the preview
    says, each decision's mail held for release. Rejection and waiting-list mails carry the
    anonymised reviews' comments to the applicant unless `with_review_comments` is False."""
    _require_officer(by)
    size = _clean_waitlist(waitlist_size)
    ranking = _frozen_ranking(cutoff, lock=True)
    _refuse_if_applied(cutoff)
    preview = funding_line_preview(cutoff=cutoff, waitlist_size=size, by=by)
    if preview.not_in_panel:
        references = ", ".join(p.reference or f"#{p.pk}" for p in preview.not_in_panel[:10])
        raise ValidationError(
            "Send every ranked proposal to the panel first; still under review or reply: %(refs)s.",
            code="not_in_panel",
            params={"refs": references},
        )
    plan = preview.plan
    if not plan.decisions:
        raise ValidationError("No proposal of this cut-off waits for the funding line.")
    version = ranking.versions.order_by("-number").first()
    application = FundingLineApplication.objects.create(
        cutoff=cutoff,
        version=version,
        waitlist_size=size,
        result=plan.as_json(),
        applied_by=by,
    )
    proposals = {row.proposal.pk: row.proposal for row in preview.table.rows}
    feedback = (
        selectors.anonymised_review_comments(
            proposal_ids=[d.proposal_id for d in plan.decisions if d.outcome != "award"]
        )
        if with_review_comments
        else {}
    )
    for decision in plan.decisions:
        proposal = proposals[decision.proposal_id]
        if decision.outcome == "award":
            decisions.proposal_award(proposal=proposal, by=by, hours=decision.hours)
        elif decision.outcome == "waitlist":
            decisions.proposal_waitlist(
                proposal=proposal,
                by=by,
                reason=decision.reason,
                reviews=feedback.get(proposal.pk),
            )
        else:
            decisions.proposal_reject(
                proposal=proposal,
                by=by,
                reason=decision.reason,
                reviews=feedback.get(proposal.pk),
            )
    activity_record(
        actor=by,
        verb="funding_line.apply",
        target=cutoff,
        data={
            "version": version.number,
            "awarded": plan.count("award"),
            "waitlisted": plan.count("waitlist"),
            "rejected": plan.count("reject"),
        },
    )
    return application
