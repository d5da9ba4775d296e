"""The programme officer's eligibility pages: a proposal's checklist and outcome, a cut-off's
list of proposals awaiting the check with bulk "mark eligible", and each call's checklist.

Everyone but a programme officer gets a 404 (a superuser included: being one grants nothing
here). Writes go through reviews.services.eligibility.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods, require_POST

from applications.models import Call
from applications.selectors import calls as call_selectors
from applications.views.service_errors import form_add_service_errors
from portal.auth import login_required
from reviews.forms.eligibility import ItemForm, OutcomeForm
from reviews.models import EligibilityCriterion
from reviews.selectors import eligibility as selectors
from reviews.services import eligibility as services

PERM = "reviews.check_eligibility"


def _officer(request) -> None:
    if not request.user.has_perm(PERM):
        raise Http404


def _cutoff(request, pk: int):
    _officer(request)
    cutoff = call_selectors.cutoff_for_officer(pk=pk)
    if cutoff is None:
        raise Http404
    return cutoff


def _cutoff_url(cutoff) -> str:
    return reverse("reviews:eligibility_cutoff", kwargs={"pk": cutoff.pk})


@login_required
@require_http_methods(["GET", "POST"])
def proposal_eligibility(request, pk: int):
    _officer(request)
    proposal = selectors.proposal_for_eligibility(pk=pk)
    if proposal is None:
        raise Http404
    criteria = services.eligibility_checklist_ensure(call=proposal.call)
    results = services.eligibility_results(proposal=proposal, criteria=criteria)
    manual = [r.criterion for r in results if not r.is_auto]
    check = selectors.eligibility_check_of(proposal=proposal)
    awaiting = proposal.status == selectors.AWAITING
    form = OutcomeForm(request.POST or None, manual_items=manual)
    if request.method == "POST" and awaiting and form.is_valid():
        try:
            services.eligibility_decide(
                proposal=proposal,
                outcome=form.cleaned_data["outcome"],
                reason=form.cleaned_data["reason"],
                ticked=form.cleaned_data["ticked"],
                by=request.user,
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Eligibility of {proposal.reference} recorded.")
            return redirect(_cutoff_url(proposal.cutoff))
    return render(
        request,
        "reviews/eligibility_proposal.html",
        {
            "proposal": proposal,
            "call": proposal.call,
            "cutoff": proposal.cutoff,
            "results": results,
            "all_auto_pass": services.auto_items_pass(results),
            "form": form,
            "check": check,
            "awaiting": awaiting,
            "ticked_values": {str(v) for v in (form["ticked"].value() or [])},
        },
        status=400 if form.errors else 200,
    )


def _rows(cutoff):
    proposals = list(selectors.awaiting_eligibility(cutoff=cutoff))
    criteria = services.eligibility_checklist_ensure(call=cutoff.call)
    context = services.check_context(proposals=proposals)
    rows = []
    for proposal in proposals:
        results = services.eligibility_results(
            proposal=proposal, criteria=criteria, context=context
        )
        rows.append(
            {
                "proposal": proposal,
                "auto": [r for r in results if r.is_auto],
                "passes": services.auto_items_pass(results),
            }
        )
    return rows


@login_required
@require_http_methods(["GET"])
def cutoff_eligibility(request, pk: int):
    cutoff = _cutoff(request, pk)
    rows = _rows(cutoff)
    return render(
        request,
        "reviews/eligibility_cutoff.html",
        {
            "cutoff": cutoff,
            "call": cutoff.call,
            "rows": rows,
            "passing": sum(1 for r in rows if r["passes"]),
        },
    )


@login_required
@require_POST
def cutoff_bulk_eligible(request, pk: int):
    """Two steps: the proposals whose automatic items all pass are listed for confirmation;
    confirmed, exactly those (if they still pass) are marked eligible."""
    cutoff = _cutoff(request, pk)
    awaiting = selectors.awaiting_eligibility(cutoff=cutoff)
    if request.POST.get("confirm") != "yes":
        chosen = services.eligibility_bulk_candidates(proposals=awaiting)
        if not chosen:
            messages.info(request, "No proposal awaiting the check passes every automatic item.")
            return redirect(_cutoff_url(cutoff))
        return render(
            request,
            "reviews/eligibility_bulk_confirm.html",
            {"cutoff": cutoff, "call": cutoff.call, "chosen": chosen},
        )
    ids = {int(v) for v in request.POST.getlist("proposal") if v.isdigit()}
    checks = services.eligibility_bulk_mark_eligible(
        proposals=awaiting.filter(pk__in=ids), by=request.user
    )
    left = len(ids) - len(checks)
    text = f"{len(checks)} proposal{'s' if len(checks) != 1 else ''} marked eligible."
    if left:
        text += (
            f" {left} no longer passed every automatic item or were checked already: "
            "look at them one by one."
        )
    messages.success(request, text)
    return redirect(_cutoff_url(cutoff))


@login_required
@require_http_methods(["GET", "POST"])
def call_checklist(request, pk: int):
    _officer(request)
    call = get_object_or_404(Call, pk=pk)
    form = ItemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.eligibility_item_add(
                call=call, label=form.cleaned_data["label"], by=request.user
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, "Item added to the checklist.")
            return redirect("reviews:eligibility_checklist", pk=call.pk)
    criteria = services.eligibility_checklist_ensure(call=call)
    return render(
        request,
        "reviews/eligibility_checklist.html",
        {"call": call, "criteria": criteria, "form": form},
        status=400 if form.errors else 200,
    )


def _item(request, pk: int) -> EligibilityCriterion:
    _officer(request)
    return get_object_or_404(EligibilityCriterion.objects.select_related("call"), pk=pk)


@login_required
@require_POST
def checklist_item_remove(request, pk: int):
    item = _item(request, pk)
    try:
        services.eligibility_item_remove(criterion=item, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"“{item.label}” removed from the checklist.")
    return redirect("reviews:eligibility_checklist", pk=item.call_id)


@login_required
@require_POST
def checklist_item_move(request, pk: int):
    item = _item(request, pk)
    services.eligibility_item_move(
        criterion=item, up=request.POST.get("direction") != "down", by=request.user
    )
    return redirect("reviews:eligibility_checklist", pk=item.call_id)


urlpatterns = [
    path("eligibility/proposals/<int:pk>/", proposal_eligibility, name="eligibility_proposal"),
    path("eligibility/cutoffs/<int:pk>/", cutoff_eligibility, name="eligibility_cutoff"),
    path(
        "eligibility/cutoffs/<int:pk>/mark-eligible/",
        cutoff_bulk_eligible,
        name="eligibility_bulk",
    ),
    path("eligibility/calls/<int:pk>/checklist/", call_checklist, name="eligibility_checklist"),
    path(
        "eligibility/items/<int:pk>/remove/",
        checklist_item_remove,
        name="eligibility_item_remove",
    ),
    path("eligibility/items/<int:pk>/move/", checklist_item_move, name="eligibility_item_move"),
]
