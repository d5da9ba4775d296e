"""The portal's home page (the open calls), included by the root URLconf without a namespace so
that it stays `home`; the root URLconf names it by path, which keeps portal from importing
applications."""

from django.urls import path

from .views.calls import home

urlpatterns = [path("", home, name="home")]
