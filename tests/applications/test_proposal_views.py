"""The proposal form pages: sections, autosave, conflicts, session expiry, team, requests, the
estimator, uploads, submit and withdraw — as an applicant sees them."""

from __future__ import annotations

import re
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from allocations.units import Unit
from applications.models import Attachment, Proposal, ProposalStatus, ResourceRequest
from applications.services.proposals import (
    proposal_update,
    resource_request_save,
    team_member_update,
)
from tests.factories import (
    AttachmentFactory,
    CallPartitionFactory,
    MembershipFactory,
    PartitionFactory,
    ProgrammeOfficerFactory,
    ProposalFactory,
    SubmittableProposalFactory,
    UserFactory,
    pdf_bytes,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def section_url(proposal, key):
    return reverse("applications:proposal_section", kwargs={"pk": proposal.pk, "section": key})


def autosave_url(proposal, key):
    return reverse("applications:proposal_autosave", kwargs={"pk": proposal.pk, "section": key})


@pytest.fixture
def draft():
    proposal = ProposalFactory(title="", acronym="", abstract="")
    CallPartitionFactory(call=proposal.call)
    return proposal


@pytest.fixture
def applicant(client, draft):
    client.force_login(draft.created_by)
    return draft.created_by


def summary_data(proposal, **overrides):
    data = {
        "version": proposal.version,
        "title": "Speech model for Baltic languages",
        "acronym": "BALTSPEECH",
        "abstract": "We train a speech model.",
    }
    data.update(overrides)
    return data


# --- starting a proposal ------------------------------------------------------------------------


def test_apply_starts_a_draft_and_opens_its_first_section(client):
    membership = MembershipFactory()
    proposal_call = ProposalFactory().cutoff  # a call with an open cut-off
    client.force_login(membership.user)
    url = reverse("applications:proposal_create", kwargs={"slug": proposal_call.call.slug})
    page = client.get(url)
    assert page.status_code == 200
    assert membership.organisation.legal_name in page.content.decode()

    response = client.post(url, {"organisation": membership.organisation.pk})

    proposal = Proposal.objects.get(organisation=membership.organisation)
    assert response.status_code == 302
    assert response["Location"] == section_url(proposal, "summary")
    assert proposal.pi == membership.user


def test_apply_asks_an_anonymous_visitor_to_log_in_first(client, draft):
    url = reverse("applications:proposal_create", kwargs={"slug": draft.call.slug})
    response = client.get(url)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert "next=" in response["Location"]


# --- sections -----------------------------------------------------------------------------------


def test_summary_section_shows_the_calls_abstract_limit(client, applicant, draft):
    draft.call.abstract_max_chars = 1500
    draft.call.save()
    page = client.get(section_url(draft, "summary")).content.decode()
    assert 'data-max-chars="1500"' in page
    assert "At most 1,500 characters" in page
    assert f'name="version" id="proposal-version" value="{draft.version}"' in page


def test_saving_a_section_and_moving_on_stores_it(client, applicant, draft):
    response = client.post(section_url(draft, "summary"), {**summary_data(draft), "goto": "team"})
    assert response.status_code == 302
    assert response["Location"] == section_url(draft, "team")
    draft.refresh_from_db()
    assert draft.title == "Speech model for Baltic languages"
    assert draft.acronym == "BALTSPEECH"


def test_autosave_saves_and_reports_the_time_and_new_version(client, applicant, draft):
    response = client.post(autosave_url(draft, "summary"), summary_data(draft), **HTMX)
    draft.refresh_from_db()
    body = response.content.decode()
    assert response.status_code == 200
    assert draft.title == "Speech model for Baltic languages"
    assert "Saved at" in body
    assert f'id="proposal-version" value="{draft.version}" hx-swap-oob="true"' in body


def test_autosave_also_updates_the_short_completeness_line_out_of_band(client, applicant, draft):
    """On phones the short "Complete: N %" line sits above the section; it must follow the
    section list when an autosave changes the figure."""
    short = re.compile(r'<p id="completeness-short"[^>]*>Complete: <strong>(\d+)%</strong>', re.S)
    before = int(short.search(client.get(section_url(draft, "summary")).content.decode())[1])

    response = client.post(autosave_url(draft, "summary"), summary_data(draft), **HTMX)

    body = response.content.decode()
    fragment = re.search(r'<p id="completeness-short"[^>]*>', body)
    assert fragment, "no short completeness line in the autosave response"
    assert 'hx-swap-oob="true"' in fragment[0]
    after = int(short.search(body)[1])
    assert after == response.context["percent_complete"] > before
    assert f"<span>Complete: <strong>{after}%</strong></span>" in body  # the section list agrees


def test_every_section_saves(client, applicant, draft):
    sections = {
        "ai_plan": {
            "model_type": "Conformer",
            "parameters": "600000000",
            "training_tokens": "90000000000",
            "dataset_size_tb": "4.5",
            "training_share_percent": "80",
            "ai_plan": "Pre-train, then fine-tune per language.",
        },
        "software": {"software_stack": "PyTorch, NeMo", "containers": "Apptainer"},
        "data_ethics": {
            "data_sources": "Common Voice",
            "data_licences": "CC0",
            "uses_personal_data": "true",
            "personal_data_measures": "Voices are pseudonymised.",
            "civilian_use_confirmed": "on",
            "ai_act_prohibited_practice": "no",
            "ai_act_high_risk": "no",
            "ai_act_general_purpose": "yes",
            "ai_act_interacts_with_people": "yes",
            "ai_act_biometric_data": "no",
        },
        "commercial": {"is_confidential": "on", "expected_impact": "Call centres in the Baltics."},
    }
    for key, data in sections.items():
        draft.refresh_from_db()
        response = client.post(section_url(draft, key), {"version": draft.version, **data})
        assert response.status_code == 302, (key, response.content.decode()[:2000])
    draft.refresh_from_db()
    assert draft.parameters == 600_000_000
    assert draft.training_share_percent == 80
    assert draft.uses_personal_data is True
    assert draft.civilian_use_confirmed is True
    assert draft.ai_act_answers["general_purpose"] == "yes"
    assert draft.ai_act_answers["biometric_data"] == "no"
    assert draft.is_confidential is True
    assert draft.software_stack == "PyTorch, NeMo"


def test_an_invalid_field_keeps_every_input_and_the_valid_fields_are_saved(
    client, applicant, draft
):
    draft.call.abstract_max_chars = 20
    draft.call.save()
    long_abstract = "A very long abstract that does not fit."
    response = client.post(
        section_url(draft, "summary"), summary_data(draft, abstract=long_abstract)
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "this call allows at most 20" in body
    assert long_abstract in body  # the typed text is still in the textarea
    draft.refresh_from_db()
    assert draft.title == "Speech model for Baltic languages"  # the rest was saved
    assert draft.abstract == ""


def test_autosave_reports_field_errors_without_replacing_the_inputs(client, applicant, draft):
    response = client.post(
        autosave_url(draft, "ai_plan"),
        {"version": draft.version, "parameters": "seven billion", "model_type": "Mamba"},
        **HTMX,
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_parameters-errors"' in body and "Enter a whole number" in body
    assert "<textarea" not in body and 'name="parameters"' not in body  # inputs stay in place
    draft.refresh_from_db()
    assert draft.model_type == "Mamba"


def test_a_stale_save_names_the_teammate_and_keeps_the_typed_text(client, applicant, draft):
    teammate = MembershipFactory(
        organisation=draft.organisation, user=UserFactory(first_name="Ada", last_name="Lovelace")
    ).user
    stale_version = draft.version
    proposal_update(
        proposal=draft, by=teammate, data={"title": "Her title"}, expected_version=stale_version
    )

    response = client.post(
        section_url(draft, "summary"), summary_data(draft, title="My title", version=stale_version)
    )

    body = response.content.decode()
    assert response.status_code == 409
    assert "Ada Lovelace" in body
    assert "My title" in body  # what the user typed is still on screen
    draft.refresh_from_db()
    assert draft.title == "Her title"  # and nothing was overwritten


def test_autosave_conflict_is_shown_and_does_not_move_the_version(client, applicant, draft):
    teammate = MembershipFactory(
        organisation=draft.organisation, user=UserFactory(first_name="Ada", last_name="Lovelace")
    ).user
    stale_version = draft.version
    proposal_update(proposal=draft, by=teammate, data={"title": "Hers"}, expected_version=None)

    response = client.post(
        autosave_url(draft, "summary"), summary_data(draft, version=stale_version), **HTMX
    )

    body = response.content.decode()
    assert response.status_code == 409
    assert "Ada Lovelace" in body
    assert 'id="proposal-version"' not in body  # the page keeps its stale version
    assert "Save my version over theirs" in body


def _editor_token(client, draft, section="summary") -> str:
    page = client.get(section_url(draft, section)).content.decode()
    return re.search(r'name="editor" value="([0-9a-f]{32})"', page).group(1)


def test_a_race_with_ones_own_autosave_is_not_a_conflict(client, applicant, draft):
    version = draft.version
    editor = _editor_token(client, draft)
    client.post(
        autosave_url(draft, "summary"), summary_data(draft, title="First", editor=editor), **HTMX
    )
    client.post(
        autosave_url(draft, "summary"),
        summary_data(draft, title="Firs", version=version + 1, editor=editor),
        **HTMX,
    )
    response = client.post(
        section_url(draft, "summary"),
        summary_data(draft, title="Second", version=version, editor=editor),
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.title == "Second"


def test_a_stale_second_tab_does_not_overwrite_a_teammates_edit_in_between(
    client, applicant, draft
):
    """Tab 1 loaded version 1; a teammate saved version 2; tab 2 (same person) saved version 3.
    Tab 1's save is a conflict, though the newest version is its own author's."""
    first_tab = _editor_token(client, draft)
    teammate = MembershipFactory(organisation=draft.organisation).user
    proposal_update(proposal=draft, by=teammate, data={"abstract": "Theirs."}, expected_version=1)
    second_tab = _editor_token(client, draft)
    client.post(
        autosave_url(draft, "summary"),
        summary_data(draft, title="Tab two", abstract="Theirs.", version=2, editor=second_tab),
        **HTMX,
    )
    response = client.post(
        section_url(draft, "summary"),
        summary_data(draft, title="Tab one", abstract="Mine.", version=1, editor=first_tab),
    )
    assert response.status_code == 409
    assert "saved this proposal" in response.content.decode()
    draft.refresh_from_db()
    assert (draft.title, draft.abstract) == ("Tab two", "Theirs.")


def test_expired_session_autosave_says_log_in_and_returns_to_the_draft(client, draft):
    page = "http://testserver" + section_url(draft, "summary")
    response = client.post(
        autosave_url(draft, "summary"),
        summary_data(draft),
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL=page,
    )
    body = response.content.decode()
    assert response.status_code == 401
    assert "Your session has expired" in body
    assert "next=%2Fproposals%2F" in body and "%2Fedit%2Fsummary%2F" in body
    draft.refresh_from_db()
    assert draft.title == ""


def test_expired_session_page_load_redirects_to_login_and_back(client, draft):
    response = client.get(section_url(draft, "summary"))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert "edit/summary" in response["Location"]


def test_expired_session_form_post_returns_to_the_page_of_the_form_after_login(client, draft):
    """Saving a request, a team member or an upload posts to an endpoint that only takes POST;
    after logging in again the founder must land on the page the form is on."""
    offered = draft.call.offered_partitions.get()
    add_request = reverse("applications:resource_request_add", kwargs={"pk": draft.pk})
    page = "http://testserver" + section_url(draft, "resources")
    response = client.post(add_request, request_data(offered), HTTP_REFERER=page)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=" + quote(section_url(draft, "resources"))
    assert not ResourceRequest.objects.filter(proposal=draft).exists()

    # A referrer on another host is never a destination.
    response = client.post(
        add_request, request_data(offered), HTTP_REFERER="https://elsewhere.example/x"
    )
    assert response["Location"] == "/accounts/login/?next=" + quote(add_request)


def test_section_pages_load_the_form_js(client, applicant, draft):
    for key in (
        "summary",
        "team",
        "ai_plan",
        "resources",
        "software",
        "data_ethics",
        "commercial",
        "attachments",
    ):
        response = client.get(section_url(draft, key))
        assert response.status_code == 200, key
        assert "js/proposal-form.js" in response.content.decode()


def test_unknown_section_is_404(client, applicant, draft):
    assert client.get(section_url(draft, "nonsense")).status_code == 404


# --- team ---------------------------------------------------------------------------------------


def test_adding_a_team_member_with_a_cv(client, applicant, draft):
    colleague = MembershipFactory(organisation=draft.organisation).user
    response = client.post(
        reverse("applications:team_member_add", kwargs={"pk": draft.pk}),
        {
            "add-user": colleague.pk,
            "add-role": "engineer",
            "add-expertise": "Distributed training",
            "add-cv": SimpleUploadedFile("cv.pdf", pdf_bytes(), "application/pdf"),
        },
    )
    assert response.status_code == 302
    member = draft.team.get(user=colleague)
    assert member.cv
    assert member.expertise == "Distributed training"


def test_a_fake_cv_is_refused_and_the_rest_of_the_form_stays(client, applicant, draft):
    colleague = MembershipFactory(organisation=draft.organisation).user
    response = client.post(
        reverse("applications:team_member_add", kwargs={"pk": draft.pk}),
        {
            "add-user": colleague.pk,
            "add-role": "engineer",
            "add-expertise": "Distributed training",
            "add-cv": SimpleUploadedFile("cv.pdf", b"MZ\x90\x00fake", "application/pdf"),
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "is not a PDF file" in body
    assert "Distributed training" in body
    assert not draft.team.filter(user=colleague).exists()


def test_a_stale_team_member_save_names_the_teammate_and_keeps_the_typed_text(
    client, applicant, draft
):
    member = draft.team.get(user=applicant)
    url = reverse(
        "applications:team_member_change", kwargs={"pk": draft.pk, "member_pk": member.pk}
    )
    page = client.get(section_url(draft, "team")).content.decode()
    assert f'name="m{member.pk}-version" value="1"' in page
    assert f'data-draft-key="{draft.pk}:member:{member.pk}"' in page  # a copy survives expiry
    teammate = MembershipFactory(
        organisation=draft.organisation, user__first_name="Bea", user__last_name="Tensor"
    ).user
    team_member_update(proposal=draft, by=teammate, member=member, expertise="Bea's words")

    mine = {f"m{member.pk}-role": "pi", f"m{member.pk}-expertise": "My own words"}
    response = client.post(url, {**mine, f"m{member.pk}-version": "1"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Bea Tensor saved" in body and "were not saved" in body
    assert "My own words" in body  # what was typed stays in the form
    assert f'name="m{member.pk}-version" value="2"' in body  # saving again is a deliberate choice
    member.refresh_from_db()
    assert member.expertise == "Bea's words"

    assert client.post(url, {**mine, f"m{member.pk}-version": "2"}).status_code == 302
    member.refresh_from_db()
    assert (member.expertise, member.version) == ("My own words", 3)


def test_people_outside_the_organisation_are_not_offered(client, applicant, draft):
    outsider = UserFactory(email="outsider@elsewhere.example")
    body = client.get(section_url(draft, "team")).content.decode()
    assert outsider.email not in body


# --- resource requests and the estimator --------------------------------------------------------


def request_data(offered, prefix="new", **overrides):
    data = {
        f"{prefix}-offered_partition": offered.pk,
        f"{prefix}-hours": "20000",
        f"{prefix}-job_size": "64",
        f"{prefix}-storage_tb": "5",
        f"{prefix}-duration_months": "3",
        f"{prefix}-justification": "Three training runs of two weeks.",
        f"{prefix}-est_parameters": "7000000000",
        f"{prefix}-est_tokens": "2000000000000",
        f"{prefix}-est_tflops": "400",
    }
    data.update(overrides)
    return data


def test_a_request_is_saved_with_what_the_estimator_was_given(client, applicant, draft):
    offered = draft.call.offered_partitions.get()
    response = client.post(
        reverse("applications:resource_request_add", kwargs={"pk": draft.pk}),
        request_data(offered),
    )
    assert response.status_code == 302
    request = ResourceRequest.objects.get(proposal=draft)
    assert request.hours == Decimal("20000")
    assert request.estimator_inputs["parameters"] == 7_000_000_000


def test_a_request_outside_the_limits_shows_the_error_and_keeps_the_input(client, applicant, draft):
    offered = draft.call.offered_partitions.get()
    response = client.post(
        reverse("applications:resource_request_add", kwargs={"pk": draft.pk}),
        request_data(offered, **{"new-hours": "900"}),
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "below the minimum" in body
    assert "Three training runs of two weeks." in body
    assert not ResourceRequest.objects.filter(proposal=draft).exists()


def test_a_stale_request_save_names_the_teammate_and_keeps_the_typed_text(client, applicant, draft):
    offered = draft.call.offered_partitions.get()
    client.post(
        reverse("applications:resource_request_add", kwargs={"pk": draft.pk}),
        request_data(offered),
    )
    request = ResourceRequest.objects.get(proposal=draft)
    prefix = f"rr{request.pk}"
    page = client.get(section_url(draft, "resources")).content.decode()
    assert f'name="{prefix}-version" value="1"' in page
    teammate = MembershipFactory(
        organisation=draft.organisation, user__first_name="Bea", user__last_name="Tensor"
    ).user
    resource_request_save(
        proposal=draft, by=teammate, offered_partition=offered, hours=45000, job_size=64,
        storage_tb=5, duration_months=3, justification="Bea's plan",
        resource_request=request, expected_version=1,
    )  # fmt: skip

    url = reverse(
        "applications:resource_request_change", kwargs={"pk": draft.pk, "request_pk": request.pk}
    )
    mine = request_data(offered, prefix=prefix, **{f"{prefix}-justification": "My own plan"})
    response = client.post(url, {**mine, f"{prefix}-version": "1"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Bea Tensor saved the request for" in body
    assert "My own plan" in body
    assert "45,000" in body  # the card's heading shows what is stored now
    assert f'name="{prefix}-version" value="2"' in body
    request.refresh_from_db()
    assert (request.hours, request.justification) == (45000, "Bea's plan")

    assert client.post(url, {**mine, f"{prefix}-version": "2"}).status_code == 302
    request.refresh_from_db()
    assert (request.hours, request.justification, request.version) == (20000, "My own plan", 3)


def test_a_second_request_on_another_centre(client, applicant, draft):
    first = draft.call.offered_partitions.get()
    second = CallPartitionFactory(call=draft.call, partition=PartitionFactory(unit=Unit.NODE_HOURS))
    url = reverse("applications:resource_request_add", kwargs={"pk": draft.pk})
    client.post(url, request_data(first))
    client.post(url, request_data(second, **{"new-hours": "12000"}))
    assert draft.requests.count() == 2


def estimate(client, draft, offered, **params):
    query = {
        "prefix": "new",
        "new-offered_partition": offered.pk,
        "new-parameters": "7e9",
        "new-tokens": "2e12",
        "new-tflops": "400",
    }
    query.update(params)
    return client.get(
        reverse("applications:proposal_estimate", kwargs={"pk": draft.pk}), query, **HTMX
    )


def test_estimator_shows_flops_and_gpu_hours(client, applicant, draft):
    offered = draft.call.offered_partitions.get()  # 4 GPUs per node, GPU-hours
    body = estimate(client, draft, offered).content.decode()
    # 6 * 7e9 * 2e12 = 8.4e22 FLOPs; at 400 TFLOP/s: 58,333.3 GPU-hours, rounded up.
    assert "8.40 × 10<sup>22</sup> FLOPs" in body
    assert 'data-flops="84000000000000000000000"' in body
    assert "58,334 GPU-hours" in body
    assert 'data-hours="58334"' in body
    assert "Use this figure" in body


def test_estimator_answers_in_node_hours_on_a_node_hour_partition(client, applicant, draft):
    offered = CallPartitionFactory(
        call=draft.call, partition=PartitionFactory(unit=Unit.NODE_HOURS)
    )
    body = estimate(client, draft, offered).content.decode()
    assert "14,584 node-hours" in body  # 58,333.3 GPU-hours / 4 GPUs per node, rounded up


def test_estimator_explains_missing_inputs_and_cpu_partitions(client, applicant, draft):
    offered = draft.call.offered_partitions.get()
    body = estimate(client, draft, offered, **{"new-parameters": ""}).content.decode()
    assert "Parameters (N)" in body and "required" in body
    cpu = CallPartitionFactory(call=draft.call, partition=PartitionFactory(cpu=True))
    body = estimate(client, draft, cpu).content.decode()
    assert "has no GPUs" in body


def test_the_resources_page_prefills_the_estimator_from_the_ai_plan(client, applicant, draft):
    draft.parameters = 3_000_000_000
    draft.training_tokens = 60_000_000_000
    draft.save()
    body = client.get(section_url(draft, "resources")).content.decode()
    assert 'value="3000000000"' in body
    assert 'value="60000000000"' in body
    assert 'data-tflops="400.0"' in body


# --- attachments --------------------------------------------------------------------------------


def upload(client, draft, name, content, kind="technical"):
    return client.post(
        reverse("applications:attachment_upload", kwargs={"pk": draft.pk}),
        {"kind": kind, "file": SimpleUploadedFile(name, content, "application/pdf")},
    )


def test_a_real_pdf_is_uploaded(client, applicant, draft):
    response = upload(client, draft, "annex.pdf", pdf_bytes(pages=2))
    assert response.status_code == 302
    attachment = Attachment.objects.get(proposal=draft)
    assert attachment.original_name == "annex.pdf"
    body = client.get(section_url(draft, "attachments")).content.decode()
    assert "annex.pdf" in body


def test_a_renamed_executable_is_refused_and_nothing_else_is_lost(client, applicant, draft):
    AttachmentFactory(proposal=draft, original_name="business-plan.pdf")
    response = upload(client, draft, "annex.pdf", b"MZ\x90\x00\x03" + b"\x00" * 200, "letter")
    body = response.content.decode()
    assert response.status_code == 400
    assert "is not a PDF file" in body
    assert "business-plan.pdf" in body  # the earlier upload is still listed
    assert '<option value="letter" selected>' in body  # the chosen kind is kept
    assert draft.attachments.count() == 1


def test_an_elf_binary_named_pdf_is_refused(client, applicant, draft):
    response = upload(client, draft, "model.pdf", b"\x7fELF\x02\x01\x01" + b"\x00" * 100)
    assert response.status_code == 400
    assert "is not a PDF file" in response.content.decode()


# --- submit and withdraw ------------------------------------------------------------------------


def test_submit_page_lists_problems_linked_to_their_sections(client, applicant, draft):
    body = client.get(reverse("applications:proposal_submit", kwargs={"pk": draft.pk})).content
    body = body.decode()
    assert "Before you can submit" in body
    assert f'href="{section_url(draft, "summary")}"' in body
    assert f'href="{section_url(draft, "resources")}"' in body
    assert "The title is required." in body


def test_submit_page_shows_the_deadline_in_the_viewers_zone(client, draft):
    user = draft.created_by
    user.timezone = "Europe/Helsinki"
    user.save()
    client.force_login(user)
    body = client.get(reverse("applications:proposal_submit", kwargs={"pk": draft.pk})).content
    local = draft.cutoff.at.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Helsinki"))
    assert f"{local:%H:%M} {local.tzname()} (Europe/Helsinki)" in body.decode()


def test_submitting_locks_the_proposal_and_shows_the_reference(client):
    proposal = SubmittableProposalFactory()
    client.force_login(proposal.created_by)
    response = client.post(reverse("applications:proposal_submit", kwargs={"pk": proposal.pk}))
    proposal.refresh_from_db()
    assert response.status_code == 302
    assert proposal.status == ProposalStatus.SUBMITTED
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert proposal.reference in page
    assert "The proposal is locked" in page
    # Editing pages now lead to the read-only view.
    edit = client.get(section_url(proposal, "summary"))
    assert edit.status_code == 302 and edit["Location"] == proposal.get_absolute_url()


def test_submit_refused_with_problems_keeps_the_draft(client, applicant, draft):
    response = client.post(reverse("applications:proposal_submit", kwargs={"pk": draft.pk}))
    assert response.status_code == 400
    assert "Before you can submit" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == ProposalStatus.DRAFT


def test_withdraw_needs_a_reason(client):
    proposal = SubmittableProposalFactory()
    client.force_login(proposal.created_by)
    client.post(reverse("applications:proposal_submit", kwargs={"pk": proposal.pk}))
    url = reverse("applications:proposal_withdraw", kwargs={"pk": proposal.pk})
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    response = client.post(url, {"reason": "We found compute elsewhere."})
    proposal.refresh_from_db()
    assert response.status_code == 302
    assert proposal.status == ProposalStatus.WITHDRAWN
    assert "We found compute elsewhere." in client.get(proposal.get_absolute_url()).content.decode()


# --- who may do what ----------------------------------------------------------------------------


def test_a_member_of_another_organisation_gets_404_everywhere(client, draft):
    client.force_login(MembershipFactory().user)
    urls = [
        draft.get_absolute_url(),
        section_url(draft, "summary"),
        reverse("applications:proposal_submit", kwargs={"pk": draft.pk}),
        reverse("applications:proposal_withdraw", kwargs={"pk": draft.pk}),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    response = client.post(section_url(draft, "summary"), summary_data(draft))
    assert response.status_code == 404
    assert (
        client.post(autosave_url(draft, "summary"), summary_data(draft), **HTMX).status_code == 404
    )
    draft.refresh_from_db()
    assert draft.title == ""


def test_an_officer_cannot_see_or_edit_a_draft(client, draft):
    client.force_login(ProgrammeOfficerFactory())
    with override_settings(PORTAL_STAFF_MFA_REQUIRED=False):
        assert client.get(draft.get_absolute_url()).status_code == 404
        assert client.post(section_url(draft, "summary"), summary_data(draft)).status_code == 404
        upload_response = upload(client, draft, "annex.pdf", pdf_bytes())
        assert upload_response.status_code == 404
    draft.refresh_from_db()
    assert draft.title == ""
    assert not draft.attachments.exists()


def test_nobody_edits_a_submitted_proposal(client):
    proposal = SubmittableProposalFactory()
    client.force_login(proposal.created_by)
    client.post(reverse("applications:proposal_submit", kwargs={"pk": proposal.pk}))
    proposal.refresh_from_db()
    title = proposal.title
    data = summary_data(proposal, title="Changed afterwards")
    assert client.post(section_url(proposal, "summary"), data).status_code == 403
    assert client.post(autosave_url(proposal, "summary"), data, **HTMX).status_code == 403
    assert upload(client, proposal, "late.pdf", pdf_bytes()).status_code == 403
    offered = proposal.requests.get().offered_partition
    add = reverse("applications:resource_request_add", kwargs={"pk": proposal.pk})
    assert client.post(add, request_data(offered)).status_code == 403
    proposal.refresh_from_db()
    assert proposal.title == title
    assert not proposal.attachments.exists()
