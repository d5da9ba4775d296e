"""Pages of the portal core: profile, organisations, invitations, notifications."""

from django.urls import path

app_name = "portal"
urlpatterns: list = []
