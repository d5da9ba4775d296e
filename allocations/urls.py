from django.urls import path

from . import views

app_name = "allocations"
urlpatterns = [
    path("centres/", views.centre_list, name="centre_list"),
    path("centres/capacity/", views.capacity, name="capacity"),
    path("centres/<int:pk>/", views.centre_detail, name="centre_detail"),
    path(
        "centres/<int:centre_pk>/partitions/<int:pk>/edit/",
        views.partition_edit,
        name="partition_edit",
    ),
]
