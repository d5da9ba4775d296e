from django.http import HttpResponse
from django.urls import path


def _todo(request, *args, **kwargs):  # replaced by the centre catalogue work
    return HttpResponse("")


app_name = "allocations"
urlpatterns = [path("centres/", _todo, name="centre_list")]
