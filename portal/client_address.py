"""The client's address behind the reverse proxy, one answer for login limits and API throttles.

allauth reads it from X-Forwarded-For, counting ALLAUTH_TRUSTED_PROXY_COUNT entries from the right
(each proxy appends the address it saw; entries further left were sent by the client and may be
forged), or from ALLAUTH_TRUSTED_CLIENT_IP_HEADER. Without a trusted proxy the socket's address is
used. The API throttles key anonymous callers on the same address.
"""

from __future__ import annotations

import logging

from allauth.account.adapter import get_adapter
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import HttpRequest
from rest_framework import throttling

logger = logging.getLogger(__name__)


def client_address(request: HttpRequest) -> str:
    return get_adapter(request).get_client_ip(request)


class ProxyAwareClientAddress:
    """Mixin for the account adapter: a request with fewer X-Forwarded-For entries than trusted
    proxies (one that went around the outer proxy) is keyed on its socket address, not a 500."""

    def get_client_ip(self, request: HttpRequest) -> str:
        try:
            return super().get_client_ip(request)
        except ImproperlyConfigured:
            logger.warning(
                "X-Forwarded-For %r has fewer entries than the trusted proxies; using REMOTE_ADDR",
                request.headers.get("x-forwarded-for"),
            )
            return request.META["REMOTE_ADDR"]


class ClientAddressIdent:
    """Throttle mixin: key on the address login limits use. A request whose address cannot be
    told (no REMOTE_ADDR, e.g. a WSGI server on a Unix socket) is throttled on DRF's own guess
    rather than refused: a throttle limits callers, it does not authorise them."""

    def get_ident(self, request) -> str:
        try:
            return client_address(request)
        except PermissionDenied:
            return super().get_ident(request)


class AnonRateThrottle(ClientAddressIdent, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(ClientAddressIdent, throttling.UserRateThrottle):
    pass
