"""The OpenAPI schema and the docs page: complete, valid, and usable offline."""

import re

import pytest
import yaml
from django.core.management import call_command
from django.urls import reverse

pytestmark = pytest.mark.django_db

API_PATHS = [
    "/api/v1/calls/",
    "/api/v1/calls/{slug}/",
    "/api/v1/proposals/",
    "/api/v1/proposals/{id}/",
    "/api/v1/proposals/{id}/submit/",
    "/api/v1/proposals/{id}/withdraw/",
    "/api/v1/proposals/{proposal_pk}/requests/",
    "/api/v1/proposals/{proposal_pk}/requests/{id}/",
]


def test_schema_generates_without_warnings_and_validates(tmp_path, capsys):
    out = tmp_path / "schema.yaml"
    # --fail-on-warn turns any warning or error of the generator into a non-zero exit.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    captured = capsys.readouterr()
    assert "Warning" not in captured.err
    assert "Error" not in captured.err
    schema = yaml.safe_load(out.read_text())
    for api_path in API_PATHS:
        assert api_path in schema["paths"], api_path
    assert {"tokenAuth", "cookieAuth"} <= set(schema["components"]["securitySchemes"])


def test_schema_endpoint_serves_the_api_to_anyone(client):
    response = client.get(reverse("api-schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert "/api/v1/proposals/{id}/submit/" in schema["paths"]
    submit = schema["paths"]["/api/v1/proposals/{id}/submit/"]["post"]
    assert "200" in submit["responses"]


def test_docs_page_loads_only_local_assets(client):
    response = client.get(reverse("api-docs"))
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets, "the docs page should load Swagger UI's scripts and styles"
    for asset in assets:
        assert asset.startswith("/static/"), f"{asset} is not served by the portal"
        assert client.get(asset).status_code == 200, asset
    assert not re.search(r"https?://(?!127\.0\.0\.1|localhost)", html), "no remote URL on the page"
    # Swagger UI would otherwise send the schema to its online validator.
    assert '"validatorUrl": null' in html
    assert reverse("api-schema") in html


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_docs_page_renders_in_a_browser_without_the_network(page, live_server):
    # The `page` fixture refuses, and fails the test on, any request off the live server.
    page.goto("/api/docs/")
    page.get_by_text("Compute Access Portal API").first.wait_for()
    page.locator("#operations-tag-proposals").wait_for()
    assert page.locator(".opblock-summary-path", has_text="/api/v1/proposals/{id}/submit/").count()
