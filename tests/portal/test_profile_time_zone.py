"""The profile's time-zone select: every zone, grouped by region, the user's own selected, and
built once per process instead of one template per option on every view."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from portal.models.accounts import TIMEZONE_CHOICES
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_profile_offers_every_zone_grouped_with_the_users_own_selected(client):
    client.force_login(UserFactory(timezone="America/Argentina/Buenos_Aires"))
    response = client.get(reverse("portal:profile"))
    page = response.content.decode()
    select = re.search(r'<select[^>]*name="timezone"[^>]*>.*?</select>', page, re.S).group(0)
    assert 'class="form-select' in select or "form-select" in select
    values = re.findall(r'<option[^>]*value="([^"]+)"', select)
    assert values == [zone for zone, _ in TIMEZONE_CHOICES]
    assert re.findall(r"<option selected[^>]*>", select) == [
        '<option selected value="America/Argentina/Buenos_Aires">'
    ]
    assert '<optgroup label="Europe">' in select
    assert '<option value="Europe/Brussels">Brussels</option>' in select
    # No template per option: the ~400 options come from markup built once per process.
    rendered = [template.name for template in response.templates]
    assert "django/forms/widgets/select_option.html" not in rendered


def test_a_refused_zone_keeps_the_select_and_marks_the_field(client):
    client.force_login(UserFactory())
    response = client.post(
        reverse("portal:profile"), {"first_name": "Ada", "last_name": "", "timezone": "Mars/X"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'<select[^>]*class="[^"]*is-invalid', page)
    assert "<option selected" not in page  # the unknown zone is not pretended to be chosen
