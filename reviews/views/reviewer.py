"""The reviewer's page: honest about what is not there yet (peer review comes in part 2)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from portal.auth import login_required
from reviews.selectors.reviewer import peer_reviewed_calls


@login_required
@require_GET
def reviewer_home(request):
    if not request.user.has_perm("reviews.view_reviewer_home"):
        raise Http404
    return render(request, "reviews/reviewer/home.html", {"calls": list(peer_reviewed_calls())})


urlpatterns = [path("reviews/", reviewer_home, name="reviewer_home")]
