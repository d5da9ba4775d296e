"""Login for portal pages: like Django's login_required, except that a form posted from an
expired session leads, after logging in, back to the page the form is on, not to an endpoint
that only takes POST (which would answer 405 and leave the user stranded)."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from django.contrib.auth.views import redirect_to_login


def referring_page(request) -> str:
    """The path of the portal page that sent the request, or "" (another host, or none)."""
    referer = urlsplit(request.headers.get("referer", ""))
    if not referer.path or referer.netloc != request.get_host():
        return ""
    return referer.path + (f"?{referer.query}" if referer.query else "")


def login_redirect(request):
    """Send an anonymous visitor to log in, returning afterwards to where they can go on."""
    if request.method in ("GET", "HEAD"):
        return redirect_to_login(request.get_full_path())
    return redirect_to_login(referring_page(request) or request.get_full_path())


def login_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        return login_redirect(request)

    return wrapper
