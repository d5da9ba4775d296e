"""Pages of the applications app; each area keeps its routes beside its views."""

from .views.calls import urlpatterns as call_urls
from .views.closure_days import urlpatterns as closure_day_urls
from .views.decision_mails import urlpatterns as decision_mail_urls
from .views.proposals import urlpatterns as proposal_urls

app_name = "applications"
urlpatterns = [*call_urls, *closure_day_urls, *decision_mail_urls, *proposal_urls]
