"""The officer's reviewer assignment of a cut-off: run the automatic assignment (fill gaps only,
strict), read its preview, apply it; see the current assignments and add or remove by hand.
Programme officers only; everyone else gets a 404, a superuser included."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import path
from django.views.decorators.http import require_http_methods, require_POST

from applications.models import CutOff, Proposal
from portal.auth import login_required
from portal.models import User
from reviews.models import AssignmentRun, ReviewAssignment
from reviews.selectors.assignment import cutoff_assignment_page
from reviews.services import assignment as services


def _require_officer(request) -> None:
    if not request.user.has_perm("reviews.assign_reviewers"):
        raise Http404


def _int(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**31 else None


@login_required
@require_http_methods(["GET", "POST"])
def cutoff_assignment(request, pk: int):
    _require_officer(request)
    cutoff = get_object_or_404(CutOff.objects.select_related("call"), pk=pk)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "run":
            run = services.assignment_run_create(
                cutoff=cutoff,
                by=request.user,
                fill_gaps_only=request.POST.get("fill_gaps_only") == "on",
                strict=request.POST.get("strict") == "on",
            )
            messages.success(
                request,
                f"The automatic assignment ran ({run.status}). Read the preview, then apply it "
                "or not.",
            )
        elif action == "apply":
            run = AssignmentRun.objects.filter(
                cutoff=cutoff, pk=_int(request.POST.get("run"))
            ).first()
            if run is None:
                messages.error(request, "That run is not one of this cut-off's.")
            else:
                try:
                    outcome = services.assignment_run_apply(run=run, by=request.user)
                except ValidationError as exc:
                    messages.error(request, " ".join(exc.messages))
                else:
                    messages.success(
                        request,
                        f"Applied: {outcome.created} assignment{pluralize(outcome.created)} made, "
                        f"{outcome.removed} removed.",
                    )
        else:
            messages.error(request, "Choose to run the assignment or to apply a run.")
        return redirect("reviews:cutoff_assignment", pk=cutoff.pk)
    page = cutoff_assignment_page(cutoff=cutoff)
    return render(
        request,
        "reviews/officer/cutoff_assignment.html",
        {"cutoff": cutoff, "page": page},
    )


@login_required
@require_POST
def assignment_add(request, pk: int):
    _require_officer(request)
    cutoff = get_object_or_404(CutOff, pk=pk)
    proposal = Proposal.objects.filter(cutoff=cutoff, pk=_int(request.POST.get("proposal"))).first()
    reviewer = User.objects.filter(pk=_int(request.POST.get("reviewer"))).first()
    if proposal is None or reviewer is None:
        messages.error(request, "Choose a proposal of this cut-off and a reviewer of its pool.")
    else:
        try:
            services.assignment_add(proposal=proposal, reviewer=reviewer, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"{reviewer.display_name} is assigned.")
    return redirect("reviews:cutoff_assignment", pk=cutoff.pk)


@login_required
@require_POST
def assignment_remove(request, pk: int):
    _require_officer(request)
    assignment = get_object_or_404(
        ReviewAssignment.objects.select_related("reviewer", "proposal"), pk=pk
    )
    services.assignment_remove(assignment=assignment, by=request.user)
    messages.success(request, f"{assignment.reviewer.display_name} is no longer assigned.")
    return redirect("reviews:cutoff_assignment", pk=assignment.proposal.cutoff_id)


@login_required
@require_POST
def assignment_answer(request, pk: int):
    """The assigned reviewer accepts, or declines with a reason (from their reviews page)."""
    if not request.user.has_perm("reviews.view_reviewer_home"):
        raise Http404
    assignment = get_object_or_404(ReviewAssignment, pk=pk, reviewer=request.user)
    action = request.POST.get("action")
    if action not in ("accept", "decline"):
        messages.error(request, "Choose to accept or decline the assignment.")
        return redirect("reviews:reviewer_home")
    try:
        services.assignment_answer(
            assignment=assignment,
            reviewer=request.user,
            accept=action == "accept",
            reason=request.POST.get("reason", ""),
        )
    except PermissionDenied as exc:
        raise Http404 from exc
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            "You accepted the assignment."
            if action == "accept"
            else "You declined the assignment; the programme office will reassign it.",
        )
    return redirect("reviews:reviewer_home")


urlpatterns = [
    path("reviews/assignments/<int:pk>/answer/", assignment_answer, name="assignment_answer"),
    path("cutoffs/<int:pk>/assignment/", cutoff_assignment, name="cutoff_assignment"),
    path("cutoffs/<int:pk>/assignment/add/", assignment_add, name="assignment_add"),
    path("assignments/<int:pk>/remove/", assignment_remove, name="assignment_remove"),
]
