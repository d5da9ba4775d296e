"""The programme officer's first-come-first-served decision pages: one proposal's decision
(hours per request against the centres' recommendations and the pools' free hours), and a
cut-off's proposals ready for a decision in submission order with the waitlisted ones that now
fit.

Everyone but a programme officer gets a 404 (a superuser included). Writes go through
reviews.services.decisions.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods

from allocations.models import Allocation
from allocations.selectors import pool_figures
from applications.selectors import calls as call_selectors
from applications.views.service_errors import form_add_service_errors
from applications.workflow import Actor, workflow_for
from portal.auth import login_required
from reviews.forms.decisions import DecisionForm
from reviews.selectors import decisions as selectors
from reviews.services import decisions as services

SUCCESS = {
    "award": "{ref} awarded; the hours are reserved and the mail waits for your review.",
    "waitlist": "{ref} is on the waiting list; the mail waits for your review.",
    "reject": "{ref} rejected; the mail waits for your review.",
}
DONE = {"award": "awarded", "waitlist": "waitlisted", "reject": "rejected"}


def _officer(request) -> None:
    if not request.user.has_perm(services.PERM):
        raise Http404


def _allowed_actions(proposal) -> list[str]:
    workflow = workflow_for(proposal.call)
    return [
        t.action
        for t in workflow.transitions_from(proposal.status, proposal.call)
        if t.action in ("award", "waitlist", "reject") and Actor.PROGRAMME_OFFICER in t.actors
    ]


def _decide(form, proposal, by) -> None:
    action = form.cleaned_data["action"]
    reason = form.cleaned_data["reason"]
    if action == "award":
        services.proposal_award(
            proposal=proposal, by=by, hours=form.hours(), overrides=form.overrides()
        )
    elif action == "waitlist":
        services.proposal_waitlist(proposal=proposal, by=by, reason=reason)
    else:
        services.proposal_reject(proposal=proposal, by=by, reason=reason)


@login_required
@require_http_methods(["GET", "POST"])
def decision_proposal(request, pk: int):
    _officer(request)
    proposal = selectors.proposal_for_decision(pk=pk)
    if proposal is None:
        raise Http404
    lines = services.request_lines(proposal)
    allowed = _allowed_actions(proposal)
    form = DecisionForm(request.POST or None, lines=lines)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["action"] not in allowed:
            form.add_error(
                None,
                f"A proposal that is {proposal.get_status_display().lower()} cannot be "
                f"{DONE[form.cleaned_data['action']]} now.",
            )
        else:
            try:
                _decide(form, proposal, request.user)
            except ValidationError as exc:
                form_add_service_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                ref = proposal.reference or f"Proposal #{proposal.pk}"
                messages.success(request, SUCCESS[form.cleaned_data["action"]].format(ref=ref))
                return redirect("reviews:decision_cutoff", pk=proposal.cutoff_id)
    pools = {line.pool.pk for line in lines if line.pool is not None}
    figures = pool_figures([line.pool for line in lines if line.pool is not None])
    references = [services.reservation_reference(proposal, line.request) for line in lines]
    reserved = {
        a.reference: a
        for a in Allocation.objects.filter(reference__in=references).exclude(
            status=Allocation.Status.RELEASED
        )
    }
    rows = [
        {
            "line": line,
            "hours": hours,
            "override": override,
            "free": figures[line.pool.pk].free if line.pool is not None else None,
            "reserved": reserved.get(services.reservation_reference(proposal, line.request)),
        }
        for line, hours, override in form.rows()
    ]
    waiting = sorted(
        {
            line.assessment.centre.short_name
            for line in lines
            if line.assessment is not None and not line.assessment.is_submitted
        }
    )
    return render(
        request,
        "reviews/decisions/proposal.html",
        {
            "proposal": proposal,
            "call": proposal.call,
            "cutoff": proposal.cutoff,
            "form": form,
            "rows": rows,
            "allowed": allowed,
            "waiting_for": waiting,
            "pool_count": len(pools),
            "reason_max": services.REASON_MAX_CHARS,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET"])
def decision_cutoff(request, pk: int):
    _officer(request)
    cutoff = call_selectors.cutoff_for_officer(pk=pk)
    if cutoff is None or not selectors.is_fcfs(cutoff.call):
        raise Http404
    deciding = selectors.proposals_deciding(cutoff=cutoff)
    pools = selectors.cutoff_pools(cutoff=cutoff)
    waitlisted = selectors.proposals_waitlisted(cutoff=cutoff)
    fitting = selectors.waitlisted_that_fit(cutoff, waitlisted=waitlisted, pools=pools)
    return render(
        request,
        "reviews/decisions/cutoff.html",
        {
            "cutoff": cutoff,
            "call": cutoff.call,
            "ready": [p for p in deciding if not p.assessments_waiting],
            "assessing": [p for p in deciding if p.assessments_waiting],
            "waitlisted": waitlisted,
            "fitting": {p.pk for p in fitting},
            "pools": [(pool, pools.figures[pool.pk]) for pool in pools.pools],
        },
    )


urlpatterns = [
    path("decisions/proposals/<int:pk>/", decision_proposal, name="decision_proposal"),
    path("decisions/cutoffs/<int:pk>/", decision_cutoff, name="decision_cutoff"),
]
