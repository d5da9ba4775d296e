"""The browsable API (DRF's HTML pages for people trying the API in a browser)."""

from __future__ import annotations

from rest_framework.renderers import BrowsableAPIRenderer


class PortalBrowsableAPIRenderer(BrowsableAPIRenderer):
    """DRF's own templates place a few buttons with style="..." attributes. Those pages, and only
    those, may use inline styles; scripts stay restricted to the portal's files as everywhere."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None:
            response._csp_update = {"style-src": ["'unsafe-inline'"]}
        return super().render(data, accepted_media_type, renderer_context)
