"""Content-Security-Policy on every page, markup that lives within it, and `Cache-Control: private,
no-store` on whatever a signed-in user is shown. Browser tests add the run-time check: any CSP
violation in a page fails the test (tests/conftest.py, `page`)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from applications.forms.proposals import SECTIONS
from tests.factories import (
    CallPartitionFactory,
    CentreMembershipFactory,
    CutOffFactory,
    MembershipFactory,
    ProgrammeOfficerFactory,
    ProposalFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# A <script> that runs inline: neither loaded from a file nor data (type="application/json").
INLINE_SCRIPT = re.compile(r'<script\b(?![^>]*\bsrc=)(?![^>]*type="application/json")[^>]*>', re.I)
STYLE_ATTRIBUTE = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I)
STYLE_ELEMENT = re.compile(r"<style\b", re.I)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)


def _directives(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy", "")
    parts = [part.split() for part in header.split(";") if part.strip()]
    return {part[0]: part[1:] for part in parts}


def assert_within_policy(response, url: str) -> None:
    policy = _directives(response)
    assert policy, f"{url}: no Content-Security-Policy header"
    assert policy["default-src"] == ["'self'"], url
    assert policy["style-src"] == ["'self'"], url
    assert policy["object-src"] == ["'none'"], url
    assert policy["frame-ancestors"] == ["'none'"], url
    scripts = policy["script-src"]
    assert scripts[0] == "'self'" and all(s.startswith("'nonce-") for s in scripts[1:]), url
    if "text/html" not in response.headers.get("Content-Type", ""):
        return
    html = response.content.decode()
    nonce = scripts[1][len("'nonce-") : -1] if len(scripts) > 1 else None
    for tag in INLINE_SCRIPT.findall(html):
        assert nonce and f'nonce="{nonce}"' in tag, f"{url}: inline script without the nonce {tag}"
    assert not STYLE_ATTRIBUTE.search(html), f"{url}: a style attribute would be refused"
    assert not STYLE_ELEMENT.search(html), f"{url}: a <style> element would be refused"
    assert not EVENT_HANDLER.search(html), f"{url}: an on...= handler would be refused"


def _pages_without_parameters(resolver=None, prefix="") -> list[str]:
    """Every page of the portal whose URL needs no argument (the admin has its own look)."""
    urls = []
    for pattern in (resolver or get_resolver()).url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if not route.startswith("admin/"):
                urls += _pages_without_parameters(pattern, route)
        elif isinstance(pattern, URLPattern) and "<" not in route and "(" not in route:
            path = "/" + route.replace("^", "").replace("$", "")
            if "logout" not in path:
                urls.append(path)
    return urls


@pytest.fixture
def officer(client):
    user = ProgrammeOfficerFactory()
    client.force_login(user)
    return user


def test_every_page_without_parameters_has_the_policy_for_every_kind_of_user(client):
    pages = _pages_without_parameters()
    assert {"/", "/dashboard/", "/officer/calls/", "/accounts/login/", "/api/docs/"} <= set(pages)
    answered = 0
    # A visitor; an applicant without TOTP (its set-up page shows the QR code); an officer.
    for user in (None, UserFactory(), ProgrammeOfficerFactory()):
        if user:
            client.force_login(user)
        for url in pages:
            response = client.get(url)
            if response.status_code in (405, 404):  # POST-only endpoints, pages for others
                continue
            answered += 1
            assert response.status_code < 500, url
            assert_within_policy(response, url)
    assert answered > 50


def test_pages_of_a_proposal_and_a_call_have_the_policy(client):
    proposal = ProposalFactory()
    CallPartitionFactory(call=proposal.call)
    client.force_login(proposal.created_by)
    urls = [
        reverse("applications:proposal_detail", kwargs={"pk": proposal.pk}),
        reverse("applications:call_detail", kwargs={"slug": proposal.call.slug}),
        reverse("portal:organisation_detail", kwargs={"pk": proposal.organisation.pk}),
        "/api/v1/proposals/",
        f"/api/v1/proposals/{proposal.pk}/",
    ] + [
        reverse("applications:proposal_section", kwargs={"pk": proposal.pk, "section": s.key})
        for s in SECTIONS
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_within_policy(response, url)


def test_officer_and_centre_pages_have_the_policy(client, officer):
    cutoff = CutOffFactory()
    offered = CallPartitionFactory(call=cutoff.call)
    urls = [
        reverse("applications:officer_call_setup", kwargs={"pk": cutoff.call.pk}),
        reverse("applications:officer_cutoff", kwargs={"pk": cutoff.pk}),
        reverse("applications:officer_cutoff_mails", kwargs={"pk": cutoff.pk}),
        reverse("allocations:centre_detail", kwargs={"pk": offered.partition.centre.pk}),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_within_policy(response, url)


def test_error_pages_have_the_policy(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert_within_policy(response, "/no-such-page/")


def test_no_template_carries_inline_script_or_style():
    """Templates of pages (not mails or PDFs, which no browser renders under the policy)."""
    roots = [Path(settings.BASE_DIR) / "templates", *Path(settings.BASE_DIR).glob("*/templates")]
    offenders, checked = [], 0
    for root in roots:
        for path in root.rglob("*.html"):
            relative = str(path.relative_to(settings.BASE_DIR))
            if "/notifications/" in relative or "/pdf/" in relative:
                continue
            checked += 1
            text = path.read_text()
            inline_scripts = [tag for tag in INLINE_SCRIPT.findall(text) if "csp_nonce" not in tag]
            if (
                inline_scripts
                or STYLE_ATTRIBUTE.search(text)
                or STYLE_ELEMENT.search(text)
                or EVENT_HANDLER.search(text)
            ):
                offenders.append(relative)
    assert checked > 40
    assert offenders == []


# --- Cache-Control -------------------------------------------------------------------------------


def _not_stored(response) -> bool:
    directives = {d.strip() for d in response.headers.get("Cache-Control", "").split(",")}
    return {"private", "no-store"} <= directives


def test_pages_for_a_signed_in_user_are_private_and_not_stored(client):
    membership = MembershipFactory()
    client.force_login(membership.user)
    for url in (
        "/",
        reverse("applications:dashboard"),
        reverse("portal:profile"),
        reverse("portal:organisation_detail", kwargs={"pk": membership.organisation.pk}),
        "/api/v1/proposals/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert _not_stored(response), url


def test_api_calls_with_a_token_are_private_and_not_stored(client):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=UserFactory())
    response = client.get("/api/v1/proposals/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert _not_stored(response)


def test_public_pages_and_static_files_may_be_cached(client):
    assert not _not_stored(client.get("/"))
    client.force_login(CentreMembershipFactory().user)
    static = client.get(settings.STATIC_URL + "css/portal.css")
    assert static.status_code == 200
    assert not _not_stored(static)
    assert "Content-Security-Policy" not in static.headers


def test_only_the_browsable_api_may_use_inline_styles(client):
    html = client.get("/api/v1/calls/", HTTP_ACCEPT="text/html")
    assert html.status_code == 200
    policy = _directives(html)
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["script-src"][0] == "'self'" and "'unsafe-inline'" not in policy["script-src"]
    assert _directives(client.get("/api/v1/calls/"))["style-src"] == ["'self'"]
