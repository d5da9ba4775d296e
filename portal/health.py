"""Liveness probe for container health checks and the benchmark's floor: no database, no session."""

from django.http import HttpResponse
from django.views.decorators.cache import never_cache


@never_cache
def healthz(request) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")
