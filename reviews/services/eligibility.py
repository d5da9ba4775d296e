"""The eligibility check: a call's checklist, its automatic results, and the officer's outcome.

Automatic items are computed from the proposal's data each time they are shown, with the facts
behind the result, so the officer sees why; manual items are ticked by the officer. The outcome
goes through the one door (`declare_eligible` / `declare_ineligible`), an ineligible one with a
reason that the applicant reads in the held refusal mail and on their timeline. Each outcome is
kept as an EligibilityCheck with a snapshot of the items as they were.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from applications.hooks import submitted_q
from applications.models import Call, Proposal
from applications.selectors.proposals import proposal_sections_completeness
from applications.services.decision_mails import ELIGIBILITY_REFUSED, decision_mail_hold
from applications.services.proposals.transitions import proposal_transition
from applications.workflow import open_statuses
from portal.countries import COUNTRY_CHOICES
from portal.models import OrganisationKind
from portal.services.activity import activity_record
from reviews.models import EligibilityCheck, EligibilityCriterion
from reviews.models.eligibility import LABEL_MAX_CHARS, REASON_MAX_CHARS

# The status from which the eligibility outcome is taken (applications.workflow).
AWAITING = "submitted"
DECLARE = {
    EligibilityCheck.Outcome.ELIGIBLE: "declare_eligible",
    EligibilityCheck.Outcome.INELIGIBLE: "declare_ineligible",
}
_COUNTRY_NAMES = dict(COUNTRY_CHOICES)


@dataclass
class ItemResult:
    criterion: EligibilityCriterion
    passed: bool | None  # None: a manual item, the officer ticks it
    facts: list[str] = field(default_factory=list)

    @property
    def is_auto(self) -> bool:
        return self.criterion.kind == EligibilityCriterion.Kind.AUTO


@dataclass(frozen=True)
class CheckContext:
    """What the automatic checks read beside the proposal, fetched once for many proposals:
    per organisation, its other open submitted proposals at the cut-off."""

    others_open: dict[int, list[str]]


def _country(proposal: Proposal, ctx: CheckContext) -> tuple[bool, list[str]]:
    country = proposal.organisation.country
    eligible = proposal.call.eligible_countries or []
    name = _COUNTRY_NAMES.get(country, country)
    if country in eligible:
        return True, [
            f"Registered in {name} ({country}), one of the call's {len(eligible)} countries."
        ]
    return False, [f"Registered in {name} ({country}), which is not in the call's list."]


def _kind(proposal: Proposal, ctx: CheckContext) -> tuple[bool, list[str]]:
    org = proposal.organisation
    kinds = proposal.call.eligible_organisation_kinds or []
    facts = [
        f"{org.employees} employees, turnover €{org.annual_turnover_eur:,.0f}, "
        f"balance sheet €{org.balance_sheet_eur:,.0f}.",
        f"Founded on {org.founded_on:%d %B %Y} ({org.age_years()} years ago).",
        f"Status from these figures: {org.get_kind_display()}; the call admits "
        + ", ".join(str(OrganisationKind(k).label) for k in kinds)
        + ".",
    ]
    return org.kind in kinds, facts


def _sections(proposal: Proposal, ctx: CheckContext) -> tuple[bool, list[str]]:
    sections = proposal_sections_completeness(proposal=proposal)
    incomplete = [f"{s.label}: {s.done} of {s.total} done." for s in sections if not s.complete]
    if incomplete:
        return False, incomplete
    return True, [f"All {len(sections)} sections complete."]


def _civilian(proposal: Proposal, ctx: CheckContext) -> tuple[bool, list[str]]:
    if proposal.civilian_use_confirmed:
        return True, ["The applicant confirmed civilian use only."]
    return False, ["Civilian use only was not confirmed."]


def _single(proposal: Proposal, ctx: CheckContext) -> tuple[bool, list[str]]:
    others = [
        ref
        for ref in ctx.others_open.get(proposal.organisation_id, [])
        if ref != proposal.reference
    ]
    if not others:
        return True, ["No other open proposal of the organisation at this cut-off."]
    return False, ["Other open proposals at this cut-off: " + ", ".join(others) + "."]


@dataclass(frozen=True)
class AutoCheck:
    label: str
    run: Callable[[Proposal, CheckContext], tuple[bool, list[str]]]


AUTO_CHECKS: dict[str, AutoCheck] = {
    "country": AutoCheck("The organisation's country is one of the call's countries", _country),
    "organisation_kind": AutoCheck(
        "The organisation is an SME or a startup the call admits", _kind
    ),
    "sections_complete": AutoCheck("Every required section is complete", _sections),
    "civilian_use": AutoCheck("Civilian use only is confirmed", _civilian),
    "single_open_proposal": AutoCheck(
        "No other open proposal of the organisation at this cut-off", _single
    ),
}
DEFAULT_MANUAL = (
    "The registration number matches the public business register",
    "The team can carry out the work described",
)


# --- the checklist ------------------------------------------------------------------------------


def _require_officer(by) -> None:
    if by is None or not by.has_perm("reviews.check_eligibility"):
        raise PermissionDenied("Only programme officers check eligibility.")


@transaction.atomic
def eligibility_checklist_ensure(*, call: Call) -> list[EligibilityCriterion]:
    """The call's checklist, seeded with the defaults the first time it is needed."""
    criteria = list(call.eligibility_criteria.all())
    if criteria:
        return criteria
    Call.objects.select_for_update().filter(pk=call.pk).first()
    if not call.eligibility_criteria.exists():
        rows = [
            EligibilityCriterion(call=call, kind="auto", code=code, label=check.label, order=i)
            for i, (code, check) in enumerate(AUTO_CHECKS.items())
        ]
        rows += [
            EligibilityCriterion(call=call, kind="manual", label=label, order=len(AUTO_CHECKS) + i)
            for i, label in enumerate(DEFAULT_MANUAL)
        ]
        EligibilityCriterion.objects.bulk_create(rows)
    return list(call.eligibility_criteria.all())


def eligibility_item_add(*, call: Call, label: str, by) -> EligibilityCriterion:
    _require_officer(by)
    label = (label or "").strip()
    if not label:
        raise ValidationError({"label": ["Write what the officer checks."]})
    if len(label) > LABEL_MAX_CHARS:
        raise ValidationError(
            {"label": [f"Keep the item to {LABEL_MAX_CHARS} characters (it has {len(label)})."]}
        )
    eligibility_checklist_ensure(call=call)
    last = call.eligibility_criteria.aggregate(m=Max("order"))["m"] or 0
    item = EligibilityCriterion.objects.create(
        call=call, kind="manual", label=label, order=last + 1
    )
    activity_record(actor=by, verb="eligibility_item.add", target=call, data={"label": label})
    return item


def eligibility_item_remove(*, criterion: EligibilityCriterion, by) -> None:
    """Remove a manual item (automatic items belong to every check and stay)."""
    _require_officer(by)
    if criterion.kind != EligibilityCriterion.Kind.MANUAL:
        raise ValidationError("Automatic items cannot be removed; they are checked on every call.")
    activity_record(
        actor=by,
        verb="eligibility_item.remove",
        target=criterion.call,
        data={"label": criterion.label},
    )
    criterion.delete()


@transaction.atomic
def eligibility_item_move(*, criterion: EligibilityCriterion, up: bool, by) -> None:
    """Swap the item with its neighbour above (or below)."""
    _require_officer(by)
    items = list(EligibilityCriterion.objects.select_for_update().filter(call_id=criterion.call_id))
    index = next(i for i, c in enumerate(items) if c.pk == criterion.pk)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(items):
        return
    items[index], items[other] = items[other], items[index]
    for position, item in enumerate(items):
        if item.order != position:
            item.order = position
            item.save(update_fields=["order"])
    activity_record(
        actor=by,
        verb="eligibility_item.move",
        target=items[other].call,
        data={"label": criterion.label},
    )


# --- results ------------------------------------------------------------------------------------


def check_context(*, proposals: Iterable[Proposal]) -> CheckContext:
    """One query for the "no other open proposal" facts of many proposals of one or more
    cut-offs."""
    proposals = list(proposals)
    if not proposals:
        return CheckContext({})
    others = (
        Proposal.objects.filter(submitted_q(), status__in=open_statuses())
        .filter(
            cutoff_id__in={p.cutoff_id for p in proposals},
            organisation_id__in={p.organisation_id for p in proposals},
        )
        .values_list("organisation_id", "cutoff_id", "reference")
        .order_by("reference")
    )
    by_org: dict[int, list[str]] = {}
    cutoffs = {(p.organisation_id, p.cutoff_id) for p in proposals}
    for org_id, cutoff_id, reference in others:
        if (org_id, cutoff_id) in cutoffs:
            by_org.setdefault(org_id, []).append(reference)
    return CheckContext(by_org)


def eligibility_results(
    *,
    proposal: Proposal,
    criteria: list[EligibilityCriterion],
    context: CheckContext | None = None,
) -> list[ItemResult]:
    """Each item of the checklist for `proposal`: automatic ones with their result and facts."""
    context = context or check_context(proposals=[proposal])
    results = []
    for criterion in criteria:
        if criterion.kind == EligibilityCriterion.Kind.AUTO and criterion.code in AUTO_CHECKS:
            passed, facts = AUTO_CHECKS[criterion.code].run(proposal, context)
            results.append(ItemResult(criterion, passed, facts))
        elif criterion.kind == EligibilityCriterion.Kind.MANUAL:
            results.append(ItemResult(criterion, None))
    return results


def auto_items_pass(results: list[ItemResult]) -> bool:
    return all(r.passed for r in results if r.is_auto)


# --- the outcome --------------------------------------------------------------------------------


def _snapshot(results: list[ItemResult], ticked: set[int]) -> list[dict]:
    return [
        {
            "label": r.criterion.label,
            "kind": r.criterion.kind,
            "code": r.criterion.code,
            "passed": r.passed if r.is_auto else r.criterion.pk in ticked,
            "facts": r.facts,
        }
        for r in results
    ]


def _clean_reason(outcome: str, reason: str) -> str:
    reason = (reason or "").strip()
    if outcome == EligibilityCheck.Outcome.INELIGIBLE and not reason:
        raise ValidationError(
            {
                "reason": [
                    "Give the reason the applicant will read: why the proposal is not eligible."
                ]
            }
        )
    if len(reason) > REASON_MAX_CHARS:
        raise ValidationError(
            {
                "reason": [
                    f"Keep the reason to {REASON_MAX_CHARS:,} characters (it has {len(reason):,})."
                ]
            }
        )
    if "\x00" in reason:
        raise ValidationError({"reason": ["The reason contains a NUL character; remove it."]})
    return reason


def _fetch(proposal: Proposal) -> Proposal:
    return (
        Proposal.objects.select_related("call", "organisation", "cutoff")
        .prefetch_related("team", "requests__offered_partition__partition")
        .get(pk=proposal.pk)
    )


@transaction.atomic
def eligibility_decide(
    *,
    proposal: Proposal,
    outcome: str,
    by,
    reason: str = "",
    ticked: Iterable[int] = (),
    in_bulk: bool = False,
) -> EligibilityCheck:
    """Record the officer's outcome and take it through the door. An ineligible outcome needs a
    reason; it goes to the applicant (timeline, held refusal mail), never the officer's name."""
    _require_officer(by)
    if outcome not in DECLARE:
        raise ValidationError({"outcome": ["Choose eligible or not eligible."]})
    reason = _clean_reason(outcome, reason)
    proposal = _fetch(proposal)
    criteria = eligibility_checklist_ensure(call=proposal.call)
    results = eligibility_results(proposal=proposal, criteria=criteria)
    ticked = {int(pk) for pk in ticked}
    details = {"reason": reason} if reason else {}
    proposal = proposal_transition(proposal=proposal, action=DECLARE[outcome], by=by, **details)
    check = EligibilityCheck.objects.create(
        proposal=proposal,
        checked_by=by,
        checked_at=timezone.now(),
        items=_snapshot(results, ticked),
        outcome=outcome,
        reason=reason,
        in_bulk=in_bulk,
    )
    if outcome == EligibilityCheck.Outcome.INELIGIBLE:
        decision_mail_hold(
            proposal=proposal, template=ELIGIBILITY_REFUSED, context={"reason": reason}, by=by
        )
    return check


def eligibility_bulk_candidates(*, proposals: Iterable[Proposal]) -> list[Proposal]:
    """Those of `proposals` (awaiting eligibility) whose automatic items all pass."""
    proposals = list(proposals)
    context = check_context(proposals=proposals)
    chosen = []
    checklists: dict[int, list[EligibilityCriterion]] = {}
    for proposal in proposals:
        if proposal.call_id not in checklists:
            checklists[proposal.call_id] = eligibility_checklist_ensure(call=proposal.call)
        results = eligibility_results(
            proposal=proposal, criteria=checklists[proposal.call_id], context=context
        )
        if proposal.status == AWAITING and auto_items_pass(results):
            chosen.append(proposal)
    return chosen


def eligibility_bulk_mark_eligible(*, proposals: Iterable[Proposal], by) -> list[EligibilityCheck]:
    """Mark eligible, one by one, the confirmed proposals whose automatic items still all pass
    (facts may have changed since the confirmation page); the others are left for a look."""
    _require_officer(by)
    checks = []
    for proposal in eligibility_bulk_candidates(proposals=proposals):
        checks.append(
            eligibility_decide(proposal=proposal, outcome="eligible", by=by, in_bulk=True)
        )
    return checks
