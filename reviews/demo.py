"""The evaluation's part of the demo: the programme office has checked the eligibility of the
proposals of past cut-offs, all but the latest cut-off of each call, which still waits (so the
officer finds work on the eligibility list). Idempotent: only proposals still awaiting are
checked, through the same services an officer uses."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from applications.models import Call
from reviews.models import EligibilityCheck
from reviews.selectors.eligibility import awaiting_eligibility
from reviews.services.eligibility import (
    auto_items_pass,
    check_context,
    eligibility_checklist_ensure,
    eligibility_decide,
    eligibility_results,
)

# The applicant reads these; the first names the failed items.
REFUSAL = "The proposal does not meet the call's eligibility conditions: {items}."
# The first proposal checked in each call fails a manual item, so that the demo shows
# a refusal (and its held mail) as well.
REGISTER_REFUSAL = (
    "We could not find the organisation's registration number in the national business "
    "register. Apply again at a later cut-off once the registration is complete."
)


def eligibility_demo_seed(*, officer) -> int:
    """Check the proposals awaiting eligibility at every past cut-off but each call's latest;
    the number checked."""
    now = timezone.now()
    checked = 0
    for call in Call.objects.prefetch_related("cutoffs"):
        past = [c for c in call.cutoffs.all() if c.at <= now]
        refuse_next = not _checked_before(call)
        for cutoff in past[:-1]:
            proposals = list(awaiting_eligibility(cutoff=cutoff))
            criteria = eligibility_checklist_ensure(call=call)
            context = check_context(proposals=proposals)
            for proposal in proposals:
                results = eligibility_results(proposal=proposal, criteria=criteria, context=context)
                manual = [r.criterion.pk for r in results if not r.is_auto]
                with transaction.atomic():
                    if refuse_next:
                        refuse_next = False
                        eligibility_decide(
                            proposal=proposal,
                            outcome="ineligible",
                            by=officer,
                            reason=REGISTER_REFUSAL,
                            ticked=manual[1:],
                        )
                    elif auto_items_pass(results):
                        eligibility_decide(
                            proposal=proposal, outcome="eligible", by=officer, ticked=manual
                        )
                    else:
                        failed = "; ".join(
                            r.criterion.label.lower() for r in results if r.is_auto and not r.passed
                        )
                        eligibility_decide(
                            proposal=proposal,
                            outcome="ineligible",
                            by=officer,
                            reason=REFUSAL.format(items=failed),
                            ticked=manual,
                        )
                checked += 1
    return checked


def _checked_before(call) -> bool:
    return EligibilityCheck.objects.filter(proposal__call=call).exists()
