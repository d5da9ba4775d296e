"""The reviewer's page: their assignments with deadlines and the state of each review (not
started, draft, submitted, replies to read), their pools and invitations, the terms to accept,
the proposals to check for conflicts, their bids and the conflicts they declared."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from portal.auth import login_required
from reviews.selectors.bids import bid_cutoffs
from reviews.selectors.conflicts import declared_conflicts_of, proposals_to_check
from reviews.selectors.pool import pending_pool_invitations, reviewer_pools
from reviews.selectors.reviewer import peer_reviewed_calls
from reviews.selectors.reviews import reviewer_workspace_assignments

# The page lists this many proposals to check; the rest wait (the count says how many).
CHECK_LIST_LIMIT = 50


@login_required
@require_GET
def reviewer_home(request):
    if not request.user.has_perm("reviews.view_reviewer_home"):
        raise Http404
    user = request.user
    pools = list(reviewer_pools(user=user))
    to_check = proposals_to_check(reviewer=user)
    assignments = reviewer_workspace_assignments(reviewer=user)
    return render(
        request,
        "reviews/reviewer/home.html",
        {
            "calls": list(peer_reviewed_calls()),
            "pools": pools,
            "terms_to_accept": [p for p in pools if p.terms_accepted_at is None],
            "invitations": list(pending_pool_invitations(user=user)),
            "to_check": list(to_check[:CHECK_LIST_LIMIT]),
            "to_check_count": to_check.count(),
            "declared": list(declared_conflicts_of(reviewer=user)),
            "bid_cutoffs": list(bid_cutoffs(reviewer=user)),
            "assignments": assignments.rows,
            "counts": assignments.counts,
        },
    )


urlpatterns = [path("reviews/", reviewer_home, name="reviewer_home")]
