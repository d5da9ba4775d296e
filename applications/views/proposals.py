"""Applicant pages: dashboard, proposal form sections, attachments, submit and withdraw."""

from django.http import HttpResponse
from django.urls import path


def _todo(request, *args, **kwargs):  # replaced by the proposal form work
    return HttpResponse("")


urlpatterns = [
    path("dashboard/", _todo, name="dashboard"),
]
