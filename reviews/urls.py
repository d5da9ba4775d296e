from django.urls import path

from reviews.views import assessments

app_name = "reviews"
urlpatterns = [
    path("assessments/", assessments.assessment_list, name="assessment_list"),
    path("assessments/<int:pk>/", assessments.assessment_detail, name="assessment_detail"),
]
