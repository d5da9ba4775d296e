"""The programme officer's workspace: per call and cut-off, what waits on whom, each counter a
link to the cut-off's list filtered to those proposals. Everyone but a programme officer gets a
404 (a superuser included: being one grants nothing here)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from applications.working_days import working_calendar
from portal.auth import login_required
from reviews.selectors.workspace import officer_workspace

PERM = "reviews.view_officer_workspace"


@login_required
def officer_workspace_page(request):
    if not request.user.has_perm(PERM):
        raise Http404
    now = timezone.now()
    return render(
        request,
        "reviews/officer_workspace.html",
        {"calls": officer_workspace(now=now, calendar=working_calendar()), "now": now},
    )
