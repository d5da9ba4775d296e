"""Pages of the evaluation (included under "evaluation/"); each area keeps its routes beside
its views."""

from .views.eligibility import urlpatterns as eligibility_urls

app_name = "reviews"
urlpatterns = [*eligibility_urls]
