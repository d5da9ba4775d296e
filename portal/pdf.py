"""PDF rendering with WeasyPrint: a Django template in, PDF bytes out.

Used for the submitted proposal and, later, award and rejection letters. Static files referenced
by the template (`{% static %}` URLs: stylesheets, logos, fonts) are read from the static files on
disk, never over the network: the portal renders PDFs offline, and a document cannot make the
server fetch an arbitrary URL.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

# Fonts the PDFs use, in order; DejaVu ships with the Pango/font packages the README asks for and
# covers every EU language (Greek and Cyrillic included).
PDF_FONT_STACK = '"DejaVu Sans", "Liberation Sans", "Noto Sans", sans-serif'


class PdfRenderError(RuntimeError):
    """The document could not be rendered (WeasyPrint or Pango missing, or a broken template)."""


def _static_path(url: str) -> str | None:
    """The file on disk behind a STATIC_URL address, or None if it is not one of ours."""
    path = unquote(urlsplit(url).path)
    prefix = urlsplit(settings.STATIC_URL).path
    if not path.startswith(prefix):
        return None
    relative = path[len(prefix) :]
    if ".." in relative.split("/"):
        return None
    found = finders.find(relative)
    if found:
        return found
    root = getattr(settings, "STATIC_ROOT", None)
    if root:
        candidate = (Path(root) / relative).resolve()
        if candidate.is_file() and Path(root).resolve() in candidate.parents:
            return str(candidate)
    return None


def _static_fetcher():
    """A WeasyPrint fetcher that serves static files from disk and refuses everything else."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticFilesFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            local = _static_path(url)
            if local is None:
                raise ValueError(f"Refusing to fetch {url!r} while rendering a PDF.")
            mime_type, _ = mimetypes.guess_type(local)
            with open(local, "rb") as fh:
                body = fh.read()
            return URLFetcherResponse(
                url, body, {"Content-Type": mime_type or "application/octet-stream"}
            )

    return StaticFilesFetcher(allowed_protocols=("http", "https", "data"))


def render_pdf(
    *, template: str, context: dict[str, Any] | None = None, base_url: str | None = None
) -> bytes:
    """Render `template` with `context` to PDF bytes.

    `base_url` resolves relative links; it defaults to the site's address so that `{% static %}`
    URLs resolve to the static files on disk.
    """
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # Pango missing on this machine
        raise PdfRenderError(f"WeasyPrint cannot run here: {exc}") from exc
    html = render_to_string(template, {"pdf_font_stack": PDF_FONT_STACK, **(context or {})})
    base = base_url or settings.SITE_URL.rstrip("/") + "/"
    try:
        return HTML(string=html, base_url=base, url_fetcher=_static_fetcher()).write_pdf()
    except Exception as exc:
        raise PdfRenderError(f"{type(exc).__name__}: {exc}") from exc
