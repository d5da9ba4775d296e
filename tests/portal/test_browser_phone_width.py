"""In Chromium at a phone's width (390 px): the pages of the shell fit the screen; a wide table
scrolls or stacks inside the page, never the page sideways."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from allocations.catalogue import catalogue_seed
from allocations.models import CentreMembership, Partition
from portal.models import User
from tests.factories import (
    CallFactory,
    CallPartitionFactory,
    CapacityPoolFactory,
    CutOffFactory,
    EvaluationCriterionFactory,
    ProgrammeOfficerFactory,
    UserFactory,
)
from tests.factories.portal import give_totp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _sign_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def _overflow(page) -> tuple[int, int]:
    return page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )


def _fits(page, path: str) -> None:
    response = page.goto(path)
    assert response.status == 200, path
    page.wait_for_load_state("load")
    scroll_width, viewport = _overflow(page)
    assert viewport == PHONE["width"]
    assert scroll_width <= viewport, f"{path} is {scroll_width} px wide on a {viewport} px phone"


@pytest.fixture
def programme():
    """A Large Scale call as an officer sets one up: many cut-offs, every catalogue partition."""
    catalogue_seed()
    call = CallFactory(title="AI Factories Large Scale 2027", mode="large_scale")
    first = (timezone.now() + timedelta(days=30)).replace(hour=9, minute=0, second=0)
    for month in range(10):
        CutOffFactory(call=call, at=first + timedelta(days=31 * month))
    for partition in Partition.objects.order_by("pk")[:5]:
        CallPartitionFactory(call=call, partition=partition, pool_hours_per_cutoff=2_000_000)
    for name in ("Excellence", "Innovation and impact", "Quality and efficiency of implementation"):
        EvaluationCriterionFactory(
            call=call, name=name, description="What the panel looks for under this criterion."
        )
    return call


def test_the_officers_call_set_up_fits_a_phone(page, live_server, programme):
    officer = ProgrammeOfficerFactory()
    _sign_in(page, live_server, officer)
    page.set_viewport_size(PHONE)
    _fits(page, reverse("applications:officer_call_setup", kwargs={"pk": programme.pk}))
    # The cut-offs, partitions and criteria read as cards; the capacity grid scrolls in its box.
    assert page.locator("#cutoffs thead").is_hidden()
    capacity = page.locator('#partitions td[data-label="Capacity per new cut-off"]').first
    assert capacity.evaluate("e => getComputedStyle(e).display") == "block"
    assert capacity.evaluate("e => getComputedStyle(e, '::before').content") == (
        '"Capacity per new cut-off: "'
    )
    assert page.locator("#capacity .table-responsive").evaluate(
        "e => e.scrollWidth > e.clientWidth"
    )

    _fits(page, reverse("applications:officer_calls"))
    page.goto(reverse("applications:officer_call_create"))
    page.get_by_role("button", name="Create the call").click()
    assert page.locator("#form-errors").is_visible()
    scroll_width, viewport = _overflow(page)
    assert scroll_width <= viewport


def test_centre_pages_fit_a_phone(page, live_server):
    catalogue_seed()
    partition = Partition.objects.order_by("pk").first()
    for label in ("Fast Lane 2027 H1", "Large Scale cut-off 1 Dec 2026", "Playground 2027"):
        CapacityPoolFactory(partition=partition, label=label, hours=Decimal("12500000"))
    administrator = UserFactory()
    CentreMembership.objects.create(
        centre=partition.centre,
        user=administrator,
        role=CentreMembership.Role.CENTRE_ADMINISTRATOR,
    )
    give_totp(administrator)
    _sign_in(page, live_server, administrator)
    page.set_viewport_size(PHONE)
    _fits(page, reverse("allocations:centre_list"))
    _fits(page, reverse("allocations:centre_detail", kwargs={"pk": partition.centre_id}))


def test_home_and_dashboard_fit_a_phone_with_the_organisation_notice(page, live_server):
    CallFactory(title="AI Factories Fast Lane with a rather long title for a small screen")
    _sign_in(page, live_server, UserFactory())
    page.set_viewport_size(PHONE)
    for path in (reverse("home"), reverse("applications:dashboard")):
        _fits(page, path)
        assert page.get_by_test_id("organisation-missing").is_visible()


# --- Every role's pages, with the demo programme's real content --------------------------------

DEMO_ROLES = {
    "founder@demo.example": ["applications:dashboard"],
    "teammate@demo.example": ["applications:dashboard"],
    "reviewer@demo.example": ["applications:dashboard"],
    "assessor@demo.example": ["allocations:centre_list"],
    "officer@demo.example": ["applications:officer_calls", "applications:officer_proposals"],
    "centre.admin@demo.example": ["allocations:centre_list"],
    "admin@demo.example": ["portal:failed_work"],
}
# Not pages of the shell (Django's admin, the API), files, and the way out.
NOT_WALKED = re.compile(r"^/(admin|api|static|media)/|/logout/|/pdf/|/download/|/cv/")
PAGES_PER_ROLE = 30


def _page_kind(path: str) -> str:
    """One page of each kind is enough: /proposals/12/ stands for every proposal."""
    return re.sub(r"/\d+(?=/)", "/N", path.split("?")[0])


def _walk(page, start: list[str]) -> tuple[list[str], list[str]]:
    """Visit the role's pages from its menu's entries, following links in the shell, at a phone's
    width; answer the pages seen and the problems found."""
    queue, seen_kinds, visited, problems = list(start), set(), [], []
    while queue and len(visited) < PAGES_PER_ROLE:
        path = queue.pop(0)
        if NOT_WALKED.search(path) or _page_kind(path) in seen_kinds:
            continue
        seen_kinds.add(_page_kind(path))
        response = page.goto(path)
        page.wait_for_load_state("load")
        visited.append(path)
        if response is None:  # the same page again, scrolled to an anchor
            continue
        if response.status >= 500:
            problems.append(f"{path}: {response.status}")
            continue
        scroll_width, viewport = _overflow(page)
        if scroll_width > viewport:
            problems.append(f"{path} is {scroll_width} px wide on a {viewport} px phone")
        links = page.eval_on_selector_all(
            "main a[href], nav a[href]", "links => links.map(a => a.getAttribute('href'))"
        )
        queue += [href.split("#")[0] for href in links if href.startswith("/") and href[1:2] != "/"]
    return visited, problems


def test_every_roles_pages_fit_a_phone_with_the_demo_programme(page, live_server, settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False  # as `make demo` runs it
    call_command("seed_demo", stdout=StringIO())
    page.set_viewport_size(PHONE)
    problems, walked = [], {}
    for email, entries in DEMO_ROLES.items():
        page.context.clear_cookies()
        _sign_in(page, live_server, User.objects.get(email=email))
        visited, found = _walk(page, ["/", *(reverse(name) for name in entries)])
        walked[email] = visited
        problems += [f"{email} {problem}" for problem in found]
    assert problems == []
    # The walk reached each role's own pages, not only the start.
    assert len(walked["founder@demo.example"]) >= 10
    assert any("/edit/" in path for path in walked["teammate@demo.example"])
    assert any(path.startswith("/officer/cutoffs/") for path in walked["officer@demo.example"])
    assert any("/partitions/" in path for path in walked["centre.admin@demo.example"])
    assert reverse("portal:failed_work") in walked["admin@demo.example"]
