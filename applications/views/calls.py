"""Call pages: home (open calls), public call page, officer call set-up and cut-off views."""

from django.http import HttpResponse
from django.urls import path


def _todo(request, *args, **kwargs):  # replaced by the calls work
    return HttpResponse("")


urlpatterns = [
    path("officer/calls/", _todo, name="officer_calls"),
]
