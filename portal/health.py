"""Probes: liveness for container health checks (no database, no session), and the signed-in
path for monitoring and the benchmark's floor."""

from django.http import HttpResponse
from django.views.decorators.cache import never_cache


@never_cache
def healthz(request) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


@never_cache
def healthz_session(request) -> HttpResponse:
    """What every signed-in page pays before its own work: the session, the user, and the staff
    TOTP check of the middleware, and nothing else. 403 without a signed-in user (never a login
    redirect: a probe wants a plain answer)."""
    if not request.user.is_authenticated:
        return HttpResponse("not signed in", status=403, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")
