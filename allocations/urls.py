from django.urls import path

app_name = "allocations"
urlpatterns: list = []
