"""Pages of the evaluation (included under "evaluation/"); each area keeps its routes beside
its views, or here when it has only a few."""

from django.urls import path

from reviews.views import assessments
from reviews.views.workspace import officer_workspace_page

from .views.eligibility import urlpatterns as eligibility_urls

app_name = "reviews"
urlpatterns = [
    path("", officer_workspace_page, name="officer_workspace"),
    *eligibility_urls,
    path("assessments/", assessments.assessment_list, name="assessment_list"),
    path("assessments/<int:pk>/", assessments.assessment_detail, name="assessment_detail"),
]
