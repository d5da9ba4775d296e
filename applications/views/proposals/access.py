"""Who may reach a proposal page: login (htmx-aware), visibility (a 404) and the edit check."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render, resolve_url

from applications.models import Proposal
from applications.selectors.proposals import proposal_get_for_user
from portal.auth import login_redirect


def _login_url(next_url: str) -> str:
    return f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': next_url})}"


def _page_path(request) -> str:
    """The page the user is on: for htmx requests, the page that sent it, not the endpoint."""
    if request.htmx and request.htmx.current_url:
        parts = urlsplit(request.htmx.current_url)
        # Only the path and query: never send a user back to another host.
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return request.get_full_path()


def applicant_login_required(view):
    """Like login_required, but an htmx request from an expired session gets a message in place
    (the page and what was typed stay on screen) with a login link that returns to the page."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        if request.htmx:
            return render(
                request,
                "applications/proposals/_session_expired.html",
                {"login_url": _login_url(_page_path(request))},
                status=401,
            )
        # A form posted without a session returns, after login, to its page, where the
        # browser's copy of the input is put back.
        return login_redirect(request)

    return wrapper


def visible_proposal(request, pk: int) -> Proposal:
    return proposal_get_for_user(user=request.user, pk=pk)


def editable_proposal(request, pk: int) -> Proposal:
    """A proposal the user may edit. Someone who may only view it (or a locked proposal) gets
    403 on the endpoints; GET pages redirect to the read-only view instead (see callers)."""
    proposal = visible_proposal(request, pk)
    if not request.user.has_perm("applications.change_proposal", proposal):
        raise PermissionDenied("This proposal cannot be edited.")
    return proposal


def locked_redirect(request, proposal: Proposal):
    if proposal.is_draft:
        messages.error(request, "Only members of the applying organisation can edit this draft.")
    else:
        messages.info(
            request,
            f"This proposal is {proposal.get_status_display().lower()} and can no longer be "
            "edited. This is the submitted version.",
        )
    return redirect(proposal.get_absolute_url())
