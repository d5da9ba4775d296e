"""The site administrators' page of background work given up after its last attempt."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from portal.auth import login_required
from portal.failed_work import KINDS, REQUEUE_ALL_BATCH

PAGE_SIZE = 25


def _require_permission(request) -> None:
    if not request.user.has_perm("portal.manage_failed_work"):
        raise PermissionDenied


def _kind(key: str):
    try:
        return KINDS[key]
    except KeyError:
        raise Http404 from None


@login_required
def failed_work(request):
    _require_permission(request)
    sections = []
    for kind in KINDS.values():
        page = Paginator(kind.rows(), PAGE_SIZE).get_page(request.GET.get(f"{kind.key}_page"))
        sections.append(
            {
                "kind": kind,
                "page": page,
                "rows": [kind.describe(row) for row in page.object_list],
                "page_param": f"{kind.key}_page",
            }
        )
    return render(request, "portal/failed_work.html", {"sections": sections})


@login_required
@require_POST
def failed_work_requeue(request, kind: str, pk: int):
    _require_permission(request)
    work = _kind(kind)
    row = get_object_or_404(work.rows(), pk=pk)
    with transaction.atomic():
        work.requeue(row, by=request.user)
    messages.success(request, f"Queued again: {work.describe(row).what}.")
    return redirect("portal:failed_work")


@login_required
@require_POST
def failed_work_requeue_all(request, kind: str):
    _require_permission(request)
    work = _kind(kind)
    rows = list(work.rows().order_by("pk")[:REQUEUE_ALL_BATCH])
    with transaction.atomic():
        for row in rows:
            work.requeue(row, by=request.user)
    messages.success(
        request, f"Queued again: {len(rows)} item{'s' if len(rows) != 1 else ''} ({work.title})."
    )
    return redirect("portal:failed_work")
