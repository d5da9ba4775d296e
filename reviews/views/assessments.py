"""The technical assessor's workspace: their centres' requests waiting for assessment, the form,
and what they submitted. Another centre's assessment is answered like a missing one."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from portal.auth import login_required
from reviews.forms.assessments import AssessmentForm
from reviews.models import TechnicalAssessment
from reviews.selectors import assessments as selectors
from reviews.services.assessments import assessment_submit


def _require_assessor(user) -> None:
    if not selectors.assessor_centre_ids(user):
        raise Http404("You are not a technical assessor of a hosting centre.")


@login_required
def assessment_list(request):
    _require_assessor(request.user)
    return render(
        request,
        "reviews/assessment_list.html",
        {**selectors.assessor_workspace(user=request.user), "now": timezone.now()},
    )


@login_required
def assessment_detail(request, pk: int):
    _require_assessor(request.user)
    try:
        assessment = selectors.assessment_for_assessor(user=request.user, pk=pk)
    except TechnicalAssessment.DoesNotExist:
        raise Http404("No such assessment.") from None
    form = None
    if not assessment.is_submitted:
        form = AssessmentForm(
            request.POST or None,
            partitions=selectors.other_partitions(assessment=assessment),
            requested_hours=assessment.request.hours,
        )
        if request.method == "POST" and form.is_valid():
            try:
                assessment_submit(assessment=assessment, by=request.user, **form.cleaned_data)
            except PermissionDenied:
                raise Http404("No such assessment.") from None
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for field, errors in exc.message_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    form.add_error(None, exc)
            else:
                messages.success(request, "Your technical assessment was submitted.")
                return redirect("reviews:assessment_list")
    return render(
        request,
        "reviews/assessment_detail.html",
        {"assessment": assessment, "form": form, "now": timezone.now()},
    )
