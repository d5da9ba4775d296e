"""API v1 routes of the evaluation (mounted under /api/v1/ by portal.api_urls)."""

from rest_framework.routers import SimpleRouter

from .api import TechnicalAssessmentViewSet

app_name = "reviews_api"

router = SimpleRouter()
router.register("assessments", TechnicalAssessmentViewSet, basename="assessment")

urlpatterns = router.urls
