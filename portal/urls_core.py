"""Pages of the portal core: profile, organisations, invitations, notifications."""

from django.http import HttpResponse
from django.urls import path


def _todo(request, *args, **kwargs):  # replaced by the accounts work
    return HttpResponse("")


app_name = "portal"
urlpatterns = [
    path("profile/", _todo, name="profile"),
    path("organisations/", _todo, name="organisation_list"),
    path("notifications/", _todo, name="notifications"),
]
