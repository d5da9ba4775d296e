"""The reviewer's bids on a cut-off: per proposal open to them (title and organisation only), how
much they want to review it. Anyone outside the call's pool under accepted terms gets a 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods

from applications.models import CutOff
from portal.auth import login_required
from reviews.models import BidLevel
from reviews.selectors.bids import biddable_proposals
from reviews.selectors.pool import accepted_terms_call_ids
from reviews.services.bids import bid_set

# A cut-off page lists at most this many proposals (a Large Scale cut-off holds far fewer).
BID_LIST_LIMIT = 500


@login_required
@require_http_methods(["GET", "POST"])
def cutoff_bids(request, pk: int):
    cutoff = get_object_or_404(CutOff.objects.select_related("call"), pk=pk)
    if not request.user.has_perm("reviews.view_reviewer_home") or (
        cutoff.call_id not in accepted_terms_call_ids(user=request.user)
    ):
        raise Http404
    proposals = list(biddable_proposals(reviewer=request.user, cutoff=cutoff)[:BID_LIST_LIMIT])
    errors: dict[int, str] = {}
    if request.method == "POST":
        wanted = {p.pk: (request.POST.get(f"bid-{p.pk}") or "").strip() for p in proposals}
        for proposal in proposals:
            if wanted[proposal.pk] and wanted[proposal.pk] not in BidLevel.values:
                errors[proposal.pk] = "Choose eager, willing, rather not or no bid."
        if not errors:
            try:
                with transaction.atomic():
                    for proposal in proposals:
                        if wanted[proposal.pk] != (proposal.bid_level or ""):
                            bid_set(
                                reviewer=request.user,
                                proposal=proposal,
                                level=wanted[proposal.pk] or None,
                            )
            except (PermissionDenied, ValidationError):
                # A conflict found between the page's load and the post: nothing is saved.
                messages.error(
                    request, "A proposal is no longer open to you; nothing was saved. Try again."
                )
                return redirect("reviews:cutoff_bids", pk=cutoff.pk)
            messages.success(request, "Your bids are saved.")
            return redirect("reviews:cutoff_bids", pk=cutoff.pk)
        # Keep what the reviewer chose, beside the errors.
        for proposal in proposals:
            proposal.bid_level = wanted[proposal.pk]
    rows = [(p, errors.get(p.pk)) for p in proposals]
    return render(
        request,
        "reviews/reviewer/bids.html",
        {"cutoff": cutoff, "rows": rows, "levels": BidLevel.choices, "has_errors": bool(errors)},
        status=400 if errors else 200,
    )


urlpatterns = [path("reviews/cutoffs/<int:pk>/bids/", cutoff_bids, name="cutoff_bids")]
