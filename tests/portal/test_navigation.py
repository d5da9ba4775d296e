"""The shell: each role's navigation shows what it can do, and nothing is fetched from elsewhere."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.factories import (
    CentreMembershipFactory,
    ProgrammeOfficerFactory,
    ReviewerFactory,
    UserFactory,
)
from tests.factories.portal import give_totp

ENTRIES = ("My proposals", "Manage calls", "Assessments", "Reviews", "Centres", "Site admin")


def _superuser():
    user = UserFactory(is_staff=True, is_superuser=True)
    give_totp(user)
    return user


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("make_user", "shown"),
    [
        # Staff see no applicant items unless they belong to an applying organisation
        # (tests/reviews/test_reviewer_home.py).
        (UserFactory, {"My proposals"}),
        (ReviewerFactory, {"Reviews"}),
        (ProgrammeOfficerFactory, {"Manage calls", "Centres"}),
        (CentreMembershipFactory, {"Assessments", "Centres"}),
        (lambda: CentreMembershipFactory(administrator=True), {"Centres"}),
        (_superuser, {"Site admin"}),
    ],
    ids=["applicant", "reviewer", "officer", "assessor", "centre-admin", "site-admin"],
)
def test_navigation_shows_each_role_its_entries(client, make_user, shown):
    made = make_user()
    user = getattr(made, "user", made)  # centre staff factories return the membership
    client.force_login(user)
    html = client.get("/").content.decode()
    navigation = re.search(r'<nav[^>]*aria-label="Main navigation".*?</nav>', html, re.S).group(0)
    present = {entry for entry in ENTRIES if f">{entry}</a>" in navigation}
    assert present == shown


@pytest.mark.django_db
def test_visitors_see_the_calls_and_how_to_get_in(client):
    html = client.get("/").content.decode()
    navigation = re.search(r'<nav[^>]*aria-label="Main navigation".*?</nav>', html, re.S).group(0)
    assert ">Open calls</a>" in navigation and ">Log in</a>" in navigation
    assert not any(f">{entry}</a>" in navigation for entry in ENTRIES)


def test_no_template_or_stylesheet_loads_anything_from_another_host():
    """Every script, stylesheet, font and image is served from static/ (the portal works offline).
    Browser tests enforce the same at run time (tests/conftest.py, `page`)."""
    remote = re.compile(
        r"""<(?:script|link|img|iframe)\b[^>]*(?:src|href)=["'](?:https?:)?//"""
        r"""|url\(\s*["']?(?:https?:)?//|@import\s+["'](?:https?:)?//""",
        re.I,
    )
    roots = [Path(settings.BASE_DIR) / "templates", Path(settings.BASE_DIR) / "static"]
    roots += list(Path(settings.BASE_DIR).glob("*/templates"))
    checked, offenders = 0, []
    for root in roots:
        for path in root.rglob("*"):
            if path.suffix not in {".html", ".css", ".js", ".txt"}:
                continue
            checked += 1
            if remote.search(path.read_text(errors="ignore")):
                offenders.append(str(path.relative_to(settings.BASE_DIR)))
    assert checked > 50  # the scan really looked at the templates and assets
    assert offenders == []
