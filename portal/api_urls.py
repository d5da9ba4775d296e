"""API v1: each app contributes its routes here."""

from django.urls import include, path

urlpatterns = [
    path("", include("applications.api_urls")),
    path("", include("reviews.api_urls")),
]
