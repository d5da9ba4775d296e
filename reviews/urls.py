"""Pages of the evaluation (included under "evaluation/"); each area keeps its routes beside
its views, or here when it has only a few."""

from django.urls import path

from reviews.views import assessments
from reviews.views.workspace import officer_workspace_page

from .views.assignment import urlpatterns as assignment_urls
from .views.bids import urlpatterns as bid_urls
from .views.decisions import urlpatterns as decision_urls
from .views.eligibility import urlpatterns as eligibility_urls
from .views.officer_proposal import urlpatterns as officer_proposal_urls
from .views.peer_review_settings import urlpatterns as peer_review_settings_urls
from .views.pool import urlpatterns as pool_urls
from .views.ranking import urlpatterns as ranking_urls
from .views.reply import urlpatterns as reply_urls
from .views.reviewer import urlpatterns as reviewer_urls
from .views.scoring import urlpatterns as scoring_urls

app_name = "reviews"
urlpatterns = [
    path("", officer_workspace_page, name="officer_workspace"),
    *eligibility_urls,
    *officer_proposal_urls,
    *reviewer_urls,
    *scoring_urls,
    *bid_urls,
    *pool_urls,
    *assignment_urls,
    *peer_review_settings_urls,
    path("assessments/", assessments.assessment_list, name="assessment_list"),
    path("assessments/<int:pk>/", assessments.assessment_detail, name="assessment_detail"),
    *decision_urls,
    *ranking_urls,
    *reply_urls,
]
