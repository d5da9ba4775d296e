"""API v1 routes of the evaluation (mounted under /api/v1/ by portal.api_urls)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .api.assessments import TechnicalAssessmentViewSet
from .api.assignment import (
    AssignmentRunApplyView,
    CutOffAssignmentRunsView,
    ReviewerAssignmentsView,
)
from .api.bids import ReviewerBidsView
from .api.decisions import ProposalDecisionView
from .api.dossier import ProposalDossierView
from .api.eligibility import ProposalEligibilityView
from .api.pool import (
    CallPoolView,
    ConflictDecisionView,
    CutOffConflictsView,
    ReviewerConflictsView,
    ReviewerPoolsView,
)
from .api.ranking import CutOffRankingView, FundingLineApplyView, FundingLinePreviewView
from .api.reply import ProposalReplySubmitView, ProposalReplyView, ProposalReviewsView
from .api.reviews import ReviewerReviewSubmitView, ReviewerReviewsView, ReviewerReviewView
from .api.workspace import OfficerWorkspaceView

app_name = "reviews_api"

router = SimpleRouter()
router.register("assessments", TechnicalAssessmentViewSet, basename="assessment")

urlpatterns = [
    path("workspace/", OfficerWorkspaceView.as_view(), name="officer_workspace"),
    path(
        "proposals/<int:id>/eligibility/",
        ProposalEligibilityView.as_view(),
        name="proposal_eligibility",
    ),
    path("proposals/<int:id>/dossier/", ProposalDossierView.as_view(), name="proposal_dossier"),
    path(
        "proposals/<int:id>/decision/",
        ProposalDecisionView.as_view(),
        name="proposal_decision",
    ),
    path("proposals/<int:id>/reviews/", ProposalReviewsView.as_view(), name="proposal_reviews"),
    path("proposals/<int:id>/reply/", ProposalReplyView.as_view(), name="proposal_reply"),
    path(
        "proposals/<int:id>/reply/submit/",
        ProposalReplySubmitView.as_view(),
        name="proposal_reply_submit",
    ),
    path("reviewer/pools/", ReviewerPoolsView.as_view(), name="reviewer_pools"),
    path("reviewer/bids/", ReviewerBidsView.as_view(), name="reviewer_bids"),
    path("reviewer/assignments/", ReviewerAssignmentsView.as_view(), name="reviewer_assignments"),
    path("reviewer/reviews/", ReviewerReviewsView.as_view(), name="reviewer_reviews"),
    path("reviewer/reviews/<int:id>/", ReviewerReviewView.as_view(), name="reviewer_review"),
    path(
        "reviewer/reviews/<int:id>/submit/",
        ReviewerReviewSubmitView.as_view(),
        name="reviewer_review_submit",
    ),
    path(
        "cutoffs/<int:id>/assignment-runs/",
        CutOffAssignmentRunsView.as_view(),
        name="cutoff_assignment_runs",
    ),
    path(
        "assignment-runs/<int:id>/apply/",
        AssignmentRunApplyView.as_view(),
        name="assignment_run_apply",
    ),
    path("reviewer/conflicts/", ReviewerConflictsView.as_view(), name="reviewer_conflicts"),
    path("calls/<int:id>/reviewer-pool/", CallPoolView.as_view(), name="call_pool"),
    path("cutoffs/<int:id>/ranking/", CutOffRankingView.as_view(), name="cutoff_ranking"),
    path(
        "cutoffs/<int:id>/funding-line/preview/",
        FundingLinePreviewView.as_view(),
        name="cutoff_funding_line_preview",
    ),
    path(
        "cutoffs/<int:id>/funding-line/",
        FundingLineApplyView.as_view(),
        name="cutoff_funding_line",
    ),
    path("cutoffs/<int:id>/conflicts/", CutOffConflictsView.as_view(), name="cutoff_conflicts"),
    path("conflicts/<int:id>/decision/", ConflictDecisionView.as_view(), name="conflict_decision"),
    *router.urls,
]
