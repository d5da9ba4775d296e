"""First-come-first-served decisions within capacity (Playground, Fast Lane): award, waitlist,
reject.

Every decision goes through the one door (`proposal_transition`), which checks that the officer
may take it now and asks the guards (a decision waits for every centre's assessment). An award
holds hours in the cut-off's pool of each request's partition through
`allocations.services.pool_reserve`, one reservation per request under a stable reference, in
the same transaction as the status change: when one request does not fit, nothing is reserved
and the status stays. Pools are locked in id order, so two parallel awards that share pools take
turns instead of deadlocking, and pool_reserve's row lock means they never over-reserve.

Each decision holds its mail to the team for the officer to review and release
(applications.services.decision_mails): an award lists the hours per partition, a rejection
carries each centre's comment to the applicant (never the comment to the panel).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from allocations import units
from allocations.models import Allocation, CapacityPool
from allocations.services import pool_reserve
from applications.models import CutOffPool, Proposal, ResourceRequest
from applications.services.decision_mails import (
    FCFS_DECISION,
    PANEL_DECISION,
    decision_mail_hold,
)
from applications.services.proposals.transitions import proposal_transition
from portal.services.activity import activity_record
from reviews.models import TechnicalAssessment

# Reasons an officer writes (a rejection, a waitlisting, an override of the recommendation).
REASON_MAX_CHARS = 2_000
# Whole hours, as requests and recommendations are; at most what a request can hold.
HOURS_MAX_DIGITS = 12
PERM = "reviews.decide"


@dataclass(frozen=True)
class RequestLine:
    """One request as the decision needs it: what was asked, what the centre recommends, the
    pool it draws from (None: the cut-off has no pool for its partition)."""

    request: ResourceRequest
    assessment: TechnicalAssessment | None
    pool: CapacityPool | None

    @property
    def recommended(self) -> Decimal | None:
        if self.assessment is None or not self.assessment.is_submitted:
            return None
        return self.assessment.recommended_hours

    @property
    def partition(self):
        return self.request.offered_partition.partition


def reservation_reference(proposal: Proposal, request: ResourceRequest) -> str:
    """The stable key of the hours an award holds for one request (a retry reserves nothing
    twice)."""
    return f"{proposal.reference or f'P{proposal.pk}'}-R{request.pk}"


def _require_officer(by) -> None:
    # Asked of the rule: a superuser is not a programme officer by being one.
    if by is None or not by.has_perm(PERM):
        raise PermissionDenied("Only programme officers decide about proposals.")


def _clean_reason(reason: str, *, field: str = "reason", required: bool = False) -> str:
    reason = (reason or "").strip()
    if required and not reason:
        raise ValidationError({field: ["Give the reason the applicant will read."]})
    if len(reason) > REASON_MAX_CHARS:
        raise ValidationError(
            {
                field: [
                    f"Keep the reason to {REASON_MAX_CHARS:,} characters (it has {len(reason):,})."
                ]
            }
        )
    if "\x00" in reason:
        raise ValidationError({field: ["The reason contains a NUL character; remove it."]})
    return reason


def request_lines(proposal: Proposal) -> list[RequestLine]:
    """The proposal's requests with their assessment and pool, in request order (three queries
    whatever their number)."""
    requests = list(
        proposal.requests.select_related("offered_partition__partition__centre").order_by("pk")
    )
    assessments = {
        a.request_id: a
        for a in TechnicalAssessment.objects.filter(proposal=proposal).select_related(
            "centre", "suggested_partition__centre"
        )
    }
    pools = {
        link.offered_partition_id: link.pool
        for link in CutOffPool.objects.filter(
            cutoff_id=proposal.cutoff_id,
            offered_partition_id__in={r.offered_partition_id for r in requests},
        ).select_related("pool__partition")
    }
    return [
        RequestLine(r, assessments.get(r.pk), pools.get(r.offered_partition_id)) for r in requests
    ]


def _hours_of(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValueError from None
    if not amount.is_finite():
        raise ValueError
    return amount


def _clean_award(
    lines: list[RequestLine], hours: Mapping, overrides: Mapping
) -> tuple[list[tuple[RequestLine, Decimal]], dict[int, str]]:
    """The hours to reserve per request and the override reasons that are needed, or a
    ValidationError keyed `hours_<request id>` / `override_<request id>` per faulty request."""
    by_pk = {line.request.pk: line for line in lines}
    errors: dict[str, list[str]] = {}
    wanted = {}
    for key, value in hours.items():
        try:
            pk = int(key)
        except (TypeError, ValueError):
            pk = None
        if pk not in by_pk:
            errors["hours"] = [f"Request {key} is not one of this proposal's requests."]
            continue
        try:
            amount = _hours_of(value)
        except ValueError:
            errors[f"hours_{pk}"] = [f"Hours must be a whole number, not {str(value)[:20]!r}."]
            continue
        if amount is not None:
            wanted[pk] = amount
    for key in overrides:
        if str(key) not in {str(pk) for pk in by_pk}:
            errors["overrides"] = [f"Request {key} is not one of this proposal's requests."]
    awarded: list[tuple[RequestLine, Decimal]] = []
    needed: dict[int, str] = {}
    for line in lines:
        pk = line.request.pk
        amount = wanted.get(pk)
        if amount is None or f"hours_{pk}" in errors:
            continue
        field = f"hours_{pk}"
        asked = line.request.hours
        if amount != amount.to_integral_value():
            errors[field] = ["Award whole hours."]
        elif amount <= 0:
            errors[field] = [
                "Award more than 0 hours, or leave the request out to award nothing on it."
            ]
        elif amount > asked:
            errors[field] = [f"Award at most the {asked:,.0f} hours requested."]
        elif line.pool is None:
            errors[field] = [
                f"The cut-off has no capacity pool for {line.partition}: set its hours on the "
                "call's capacity first."
            ]
        else:
            recommended = line.recommended
            if recommended is not None and amount > recommended:
                reason = overrides.get(pk, overrides.get(str(pk), ""))
                try:
                    reason = _clean_reason(reason, field=f"override_{pk}")
                except ValidationError as exc:
                    errors.update(exc.message_dict)
                    continue
                if not reason:
                    errors[f"override_{pk}"] = [
                        f"{amount:,.0f} hours is more than the {recommended:,.0f} the centre "
                        "recommends: say why to override the recommendation."
                    ]
                    continue
                needed[pk] = reason
            awarded.append((line, amount))
    if not errors and not awarded:
        errors["hours"] = ["Award hours on at least one request."]
    if errors:
        raise ValidationError(errors)
    return awarded, needed


def _comments(lines: list[RequestLine]) -> list[dict[str, str]]:
    """Each centre's comment to the applicant, per partition (the panel's comments stay with
    the staff)."""
    return [
        {"partition": str(line.partition), "comment": line.assessment.comment_to_applicant}
        for line in lines
        if line.assessment is not None
        and line.assessment.is_submitted
        and line.assessment.comment_to_applicant.strip()
    ]


def _mail_template(proposal: Proposal) -> str:
    """A proposal the panel ranked hears it in the panel's words."""
    return PANEL_DECISION if proposal.call.is_peer_reviewed else FCFS_DECISION


def _fresh(proposal: Proposal) -> Proposal:
    """The proposal as stored (the door locks it; a page's copy may be stale)."""
    return Proposal.objects.select_related("call", "cutoff", "organisation").get(pk=proposal.pk)


@transaction.atomic
def proposal_award(
    *,
    proposal: Proposal,
    by,
    hours: Mapping[int, object],
    overrides: Mapping[int, str] | None = None,
) -> list[Allocation]:
    """Award `hours` per request (request id -> whole hours) and reserve them in the cut-off's
    pools. Each amount is above 0, at most the request, at most the centre's recommendation
    unless `overrides` gives the reason (kept in the staff's audit log), and at most what the
    pool has free. Raises ValidationError (nothing reserved, nothing changed) naming the pool
    that has not enough hours left; PermissionDenied unless `by` is a programme officer."""
    _require_officer(by)
    overrides = dict(overrides or {})
    proposal = _fresh(proposal)
    lines = request_lines(proposal)
    awarded, needed = _clean_award(lines, hours, overrides)
    total = sum((amount for _, amount in awarded), Decimal(0))
    proposal = proposal_transition(
        proposal=proposal, action="award", by=by, hours=units.hours_text(total)
    )
    allocations = []
    # Pools in id order: parallel awards sharing pools lock them in the same order.
    for line, amount in sorted(awarded, key=lambda pair: (pair[0].pool.pk, pair[0].request.pk)):
        allocations.append(
            pool_reserve(
                pool=line.pool,
                hours=amount,
                holder=proposal.organisation,
                reference=reservation_reference(proposal, line.request),
                by=by,
            )
        )
    for line, amount in awarded:
        if line.request.pk in needed:
            activity_record(
                actor=by,
                verb="decision.override",
                target=proposal,
                data={
                    "request": line.request.pk,
                    "partition": str(line.partition),
                    "recommended": str(line.recommended),
                    "hours": str(amount),
                    "reason": needed[line.request.pk],
                },
            )
    unit_of = {line.request.pk: line.partition.unit_label for line, _ in awarded}
    decision_mail_hold(
        proposal=proposal,
        template=_mail_template(proposal),
        context={
            "outcome": "award",
            "awarded": [
                {
                    "partition": str(line.partition),
                    "hours": f"{amount:,.0f}",
                    "unit": unit_of[line.request.pk],
                    "requested": f"{line.request.hours:,.0f}",
                }
                for line, amount in awarded
            ],
            "comments": _comments(lines),
        },
        by=by,
        occasion="award",
    )
    return allocations


@transaction.atomic
def proposal_waitlist(
    *, proposal: Proposal, by, reason: str = "", reviews: list[dict] | None = None
) -> Proposal:
    """Put the proposal on the waiting list (its hours do not fit now); it can be awarded or
    rejected later. The optional reason goes to the applicant, with `reviews` (the anonymised
    reviews, reviews.selectors.ranking.anonymised_review_comments) when given."""
    _require_officer(by)
    reason = _clean_reason(reason)
    proposal = _fresh(proposal)
    details = {"reason": reason} if reason else {}
    proposal = proposal_transition(proposal=proposal, action="waitlist", by=by, **details)
    decision_mail_hold(
        proposal=proposal,
        template=_mail_template(proposal),
        context={
            "outcome": "waitlist",
            "reason": reason,
            **({"reviews": reviews} if reviews else {}),
        },
        by=by,
        occasion="waitlist",
    )
    return proposal


@transaction.atomic
def proposal_reject(
    *, proposal: Proposal, by, reason: str, reviews: list[dict] | None = None
) -> Proposal:
    """Reject the proposal with the reason the applicant reads, beside each centre's comment to
    the applicant and, when given, the anonymised `reviews`."""
    _require_officer(by)
    reason = _clean_reason(reason, required=True)
    proposal = _fresh(proposal)
    lines = request_lines(proposal)
    proposal = proposal_transition(proposal=proposal, action="reject", by=by, reason=reason)
    decision_mail_hold(
        proposal=proposal,
        template=_mail_template(proposal),
        context={
            "outcome": "reject",
            "reason": reason,
            "comments": _comments(lines),
            **({"reviews": reviews} if reviews else {}),
        },
        by=by,
        occasion="reject",
    )
    return proposal
