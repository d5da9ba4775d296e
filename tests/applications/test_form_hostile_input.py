"""Hostile input to the pages' forms: the NUL character and oversized text in every field of every
form an applicant, a programme officer or a centre administrator fills in answer a form error on
that field (never a 500, never stored), and a section save whose version is not a number is
refused instead of skipping the check that protects a teammate's edit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django import forms
from django.urls import reverse

from applications.models import Proposal
from portal.models import Membership
from tests.factories import (
    CallFactory,
    CallPartitionFactory,
    CentreMembershipFactory,
    MembershipFactory,
    PartitionFactory,
    ProgrammeOfficerFactory,
    ProposalFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
NUL = "before\x00after"


@pytest.fixture(autouse=True)
def _staff_without_totp(settings):
    # Staff must enrol TOTP in production; the MFA gate has its own tests.
    settings.PORTAL_STAFF_MFA_REQUIRED = False


@dataclass
class FormPage:
    """Where a form is shown (GET), where it is sent (POST) and its name in the page context."""

    get_url: str
    post_url: str
    context_key: str
    extra: dict[str, Any]
    htmx: bool = False


def _draft(client) -> Proposal:
    proposal = ProposalFactory()
    CallPartitionFactory(call=proposal.call)
    client.force_login(proposal.created_by)
    return proposal


def _section(section: str, *, autosave: bool = False):
    def build(client) -> FormPage:
        proposal = _draft(client)
        url = reverse("applications:proposal_section", args=[proposal.pk, section])
        post = (
            reverse("applications:proposal_autosave", args=[proposal.pk, section])
            if autosave
            else url
        )
        return FormPage(url, post, "form", {"version": proposal.version}, htmx=autosave)

    return build


def _team_member(client) -> FormPage:
    proposal = _draft(client)
    url = reverse("applications:proposal_section", args=[proposal.pk, "team"])
    return FormPage(
        url, reverse("applications:team_member_add", args=[proposal.pk]), "add_form", {}
    )


def _resource_request(client) -> FormPage:
    proposal = _draft(client)
    url = reverse("applications:proposal_section", args=[proposal.pk, "resources"])
    return FormPage(
        url, reverse("applications:resource_request_add", args=[proposal.pk]), "new_form", {}
    )


def _withdrawal(client) -> FormPage:
    proposal = _draft(client)
    url = reverse("applications:proposal_withdraw", args=[proposal.pk])
    return FormPage(url, url, "form", {})


def _call(client) -> FormPage:
    client.force_login(ProgrammeOfficerFactory())
    url = reverse("applications:officer_call_create")
    return FormPage(url, url, "form", {})


def _criterion(client) -> FormPage:
    client.force_login(ProgrammeOfficerFactory())
    call = CallFactory()
    return FormPage(
        reverse("applications:officer_call_setup", args=[call.pk]),
        reverse("applications:officer_criterion_add", args=[call.pk]),
        "criterion_form",
        {},
    )


def _organisation(client) -> FormPage:
    client.force_login(UserFactory())
    url = reverse("portal:organisation_create")
    return FormPage(url, url, "form", {})


def _invitation(client) -> FormPage:
    owner = MembershipFactory(role=Membership.Role.OWNER)
    client.force_login(owner.user)
    return FormPage(
        reverse("portal:organisation_detail", args=[owner.organisation_id]),
        reverse("portal:invitation_create", args=[owner.organisation_id]),
        "invitation_form",
        {},
    )


def _profile(client) -> FormPage:
    client.force_login(UserFactory())
    url = reverse("portal:profile")
    return FormPage(url, url, "form", {})


def _partition(client) -> FormPage:
    admin = CentreMembershipFactory(administrator=True)
    partition = PartitionFactory(centre=admin.centre)
    client.force_login(admin.user)
    url = reverse("allocations:partition_edit", args=[admin.centre_id, partition.pk])
    return FormPage(url, url, "form", {})


SECTION_KEYS = ("summary", "ai_plan", "software", "data_ethics", "commercial")
FORM_PAGES = {
    **{f"section {s}": _section(s) for s in SECTION_KEYS},
    **{f"autosave {s}": _section(s, autosave=True) for s in SECTION_KEYS},
    "team member": _team_member,
    "resource request": _resource_request,
    "withdrawal": _withdrawal,
    "call": _call,
    "criterion": _criterion,
    "organisation": _organisation,
    "invitation": _invitation,
    "profile": _profile,
    "partition": _partition,
}


def _is_text(field: forms.Field) -> bool:
    return isinstance(field, forms.CharField)


def hostile_values(field: forms.Field) -> dict[str, Any]:
    if isinstance(field, forms.BooleanField | forms.FileField):
        return {}  # any value is a valid checkbox; files have their own tests
    if isinstance(field, forms.MultipleChoiceField):
        return {"nul": [NUL]}
    if _is_text(field):
        return {"nul": NUL, "oversized": "x" * (field.max_length + 1)}
    return {"nul": NUL, "oversized": "9" * 5_000}


def _bound_forms(response) -> list[forms.BaseForm]:
    found = []
    for context in response.context or []:
        for value in context.flatten().values():
            if isinstance(value, forms.BaseForm) and value.is_bound:
                found.append(value)
    return found


@pytest.mark.parametrize("page_name", FORM_PAGES)
def test_every_text_field_of_every_form_is_bounded(client, page_name):
    page = FORM_PAGES[page_name](client)
    form = client.get(page.get_url).context[page.context_key]
    unbounded = [
        name
        for name, field in form.fields.items()
        if _is_text(field)
        and not isinstance(field, forms.ChoiceField)
        and not isinstance(field.widget, forms.HiddenInput)
        and field.max_length is None
    ]
    assert unbounded == [], f"{page_name}: no size limit on {unbounded}"


@pytest.mark.parametrize("kind", ["nul", "oversized"])
@pytest.mark.parametrize("page_name", FORM_PAGES)
def test_nul_and_oversized_input_is_a_form_error_on_each_field(client, page_name, kind):
    """Every field of the form gets the hostile value at once (one request per kind keeps the
    test fast), and each must carry its own error."""
    page = FORM_PAGES[page_name](client)
    form = client.get(page.get_url).context[page.context_key]
    data = {
        form.add_prefix(name): hostile_values(field)[kind]
        for name, field in form.fields.items()
        if kind in hostile_values(field)
    }
    assert data, f"{page_name} has no field to try"
    response = client.post(page.post_url, {**page.extra, **data}, **(HTMX if page.htmx else {}))
    assert response.status_code in (200, 400), response.status_code
    errors = {
        name
        for bound in _bound_forms(response)
        if bound.prefix == form.prefix
        for name in bound.errors
    }
    missing = sorted(
        {form.add_prefix(n) for n in form.fields}
        & data.keys() - {form.add_prefix(n) for n in errors}
    )
    assert missing == [], f"{page_name}: no error on {missing}"


def test_nul_in_a_section_is_not_stored_and_the_other_fields_are(client):
    page = _section("summary")(client)
    proposal = Proposal.objects.get()
    response = client.post(
        page.post_url,
        {"version": proposal.version, "title": "A clean title", "abstract": "Bad \x00 text"},
    )
    assert response.status_code == 200
    assert "abstract" in response.context["form"].errors
    proposal.refresh_from_db()
    assert proposal.title == "A clean title"
    assert "\x00" not in proposal.abstract


@pytest.mark.parametrize("version", ["", "abc", "1.5", "-1", "0", "1\x00", "9" * 40, "١"])
@pytest.mark.parametrize("autosave", [False, True])
def test_a_section_save_without_a_usable_version_is_refused(client, version, autosave):
    page = _section("summary", autosave=autosave)(client)
    proposal = Proposal.objects.get()
    before = (proposal.title, proposal.version)
    data = {"title": "Overwrites a teammate", "version": version}
    response = client.post(page.post_url, data, **(HTMX if autosave else {}))
    assert response.status_code == 400
    assert "did not say which version" in response.content.decode()
    assert 'value="Overwrites a teammate"' in response.content.decode() or autosave
    proposal.refresh_from_db()
    assert (proposal.title, proposal.version) == before
