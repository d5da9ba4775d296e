from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from portal import health, views_api_token

urlpatterns = [
    path("", include("applications.home_urls")),
    path("accounts/", include("allauth.urls")),
    path("", include("portal.urls_core")),
    path("", include("allocations.urls")),
    path("", include("applications.urls")),
    path("evaluation/", include("reviews.urls")),
    path("api/v1/", include("portal.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("profile/api-token/", views_api_token.api_token, name="api_token"),
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
    path("healthz/session", health.healthz_session, name="healthz_session"),
]

handler403 = "portal.views.permission_denied"
handler404 = "portal.views.page_not_found"
handler500 = "portal.views.server_error"
