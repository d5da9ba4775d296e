import zoneinfo
from urllib.parse import quote

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control

from portal.roles import is_staff_role


class UserTimezoneMiddleware:
    """Show times in the viewer's own time zone (stored in UTC, Brussels when unknown)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        tzname = getattr(user, "timezone", None) if user and user.is_authenticated else None
        try:
            timezone.activate(zoneinfo.ZoneInfo(tzname or settings.TIME_ZONE))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.activate(zoneinfo.ZoneInfo(settings.TIME_ZONE))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


# Pages a staff user without TOTP may still reach: setting it up, logging out, static files.
MFA_EXEMPT_PREFIXES = ("/accounts/", "/static/", "/i18n/")
MFA_CONTINUE_SESSION_KEY = "portal_mfa_continue"


class StaffMFARequiredMiddleware:
    """Staff roles must enable TOTP before reaching any other page (PORTAL_STAFF_MFA_REQUIRED)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.PORTAL_STAFF_MFA_REQUIRED and self._must_enrol(request):
            if request.method == "GET":
                # Offered as "continue" once TOTP is set up (allauth's own pages ignore ?next).
                request.session[MFA_CONTINUE_SESSION_KEY] = request.get_full_path()
            return redirect(f"{reverse('mfa_activate_totp')}?next={quote(request.get_full_path())}")
        return self.get_response(request)

    @staticmethod
    def _must_enrol(request) -> bool:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return False
        if request.path.startswith(MFA_EXEMPT_PREFIXES):
            return False
        if not is_staff_role(user):
            return False
        from allauth.mfa.models import Authenticator

        return not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class PrivatePagesNotStoredMiddleware:
    """`Cache-Control: private, no-store` on every answer to a signed-in user (pages, downloads,
    API calls with a token), so that neither a shared proxy nor the browser's back button or disk
    cache keeps a copy of what only that user may see. Static files are served before this runs.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # DRF sets the token user on the request once its view authenticated it.
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response
