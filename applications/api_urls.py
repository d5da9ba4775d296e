"""API v1 routes of the applications app (mounted under /api/v1/ by portal.api_urls)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .api.calls import CallViewSet
from .api.officer import CutOffProposalsView
from .api.proposals import ProposalViewSet, ResourceRequestViewSet

app_name = "applications_api"

router = SimpleRouter()
router.register("calls", CallViewSet, basename="call")
router.register("proposals", ProposalViewSet, basename="proposal")
router.register(
    r"proposals/(?P<proposal_pk>[0-9]+)/requests", ResourceRequestViewSet, basename="request"
)

urlpatterns = [
    path("cutoffs/<int:id>/proposals/", CutOffProposalsView.as_view(), name="cutoff_proposals"),
    *router.urls,
]
