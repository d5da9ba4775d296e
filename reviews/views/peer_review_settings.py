"""The officer's page for a peer-reviewed call's reviewer settings."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods

from applications.models import Call
from applications.views.service_errors import form_add_service_errors
from portal.auth import login_required
from reviews.forms.peer_review import PeerReviewSettingsForm
from reviews.services.peer_review_settings import (
    FIELDS,
    peer_review_settings_of,
    peer_review_settings_set,
)


@login_required
@require_http_methods(["GET", "POST"])
def peer_review_settings(request, pk: int):
    if not request.user.has_perm("reviews.assign_reviewers"):
        raise Http404
    call = get_object_or_404(Call, pk=pk)
    if not call.is_peer_reviewed:
        raise Http404
    current = peer_review_settings_of(call)
    form = PeerReviewSettingsForm(
        request.POST or None, initial={name: getattr(current, name) for name in FIELDS}
    )
    if request.method == "POST" and form.is_valid():
        try:
            peer_review_settings_set(call=call, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, "Peer review settings saved.")
            return redirect("reviews:peer_review_settings", pk=call.pk)
    return render(
        request,
        "reviews/officer/peer_review_settings.html",
        {"call": call, "form": form, "cutoffs": list(call.cutoffs.all())},
    )


urlpatterns = [
    path("calls/<int:pk>/peer-review/", peer_review_settings, name="peer_review_settings"),
]
