"""The proposal form as the applicant reads it: resource requests as summary cards that unfold
into their form, flagged when the hours leave the call's limits or differ from the estimate; an
estimator that says nothing until a partition is chosen; team members whose role and expertise
show in full; no placeholder that could pass for an answer."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from applications.models import ResourceRequest
from applications.selectors.resource_requests import estimator_inputs_for, request_summaries
from applications.services.proposals import resource_request_save
from tests.factories import (
    CallPartitionFactory,
    MembershipFactory,
    PartitionFactory,
    ProposalFactory,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def section_url(proposal, key):
    return reverse("applications:proposal_section", kwargs={"pk": proposal.pk, "section": key})


@pytest.fixture
def draft():
    proposal = ProposalFactory(parameters=7_000_000_000, training_tokens=2_000_000_000_000)
    # 4 GPUs a node, GPU-hours, 400 TFLOP/s: 7e9 x 2e12 tokens is 58,334 GPU-hours.
    CallPartitionFactory(call=proposal.call, min_hours=Decimal("10000"), max_hours=Decimal("80000"))
    return proposal


@pytest.fixture
def applicant(client, draft):
    client.force_login(draft.created_by)
    return draft.created_by


def save_request(draft, hours, offered=None, **kwargs):
    return resource_request_save(
        proposal=draft,
        by=draft.created_by,
        offered_partition=offered or draft.call.offered_partitions.get(),
        hours=hours,
        job_size=64,
        storage_tb=5,
        duration_months=draft.call.durations_months[0],
        justification=kwargs.pop("justification", "Three training runs."),
        **kwargs,
    )


def card(body: str, request: ResourceRequest) -> str:
    match = re.search(
        rf'<section class="card[^"]*" id="request-{request.pk}".*?</section>', body, re.S
    )
    assert match, f"no card for request {request.pk}"
    return match.group(0)


def summary_part(card_html: str) -> str:
    """What the card shows before it is unfolded."""
    return card_html.split("<details", 1)[0]


# --- cards ------------------------------------------------------------------------------------


def test_a_saved_request_is_a_folded_card_with_hours_unit_and_estimate(client, applicant, draft):
    request = save_request(draft, 58334)
    body = client.get(section_url(draft, "resources")).content.decode()
    html = card(body, request)
    summary = summary_part(html)
    assert "58,334 GPU-hours" in summary
    assert 'data-request-estimate="58334"' in summary
    assert "data-flag" not in summary  # matches the estimate, within the limits
    # The form and the estimator are folded away, not repeated open for every request.
    assert re.search(r'<details class="request-edit">\s*<summary[^>]*>.*Edit request', html, re.S)
    assert f'id="rr{request.pk}-form"' in html
    assert f'<option value="{request.offered_partition_id}" selected data-unit="GPU-hours"' in html
    # The page renders the estimator's answer itself: no request per card on load.
    assert 'hx-trigger="load' not in body


def test_a_request_outside_the_calls_limits_is_flagged_with_the_figures(client, applicant, draft):
    request = save_request(draft, 20000)
    offered = request.offered_partition
    offered.min_hours = Decimal("25000")  # the officer raised the minimum after the save
    offered.save()
    summary = summary_part(
        card(client.get(section_url(draft, "resources")).content.decode(), request)
    )
    flag = re.search(r'data-flag="limits".*?</div>', summary, re.S).group(0)
    assert "20,000 GPU-hours" in flag
    assert "below the minimum of 25,000 GPU-hours" in flag
    assert "cannot be submitted" in flag


def test_a_request_that_differs_from_the_estimate_is_flagged_with_the_figures(
    client, applicant, draft
):
    request = save_request(
        draft,
        70000,
        estimator_inputs={
            "parameters": 7_000_000_000,
            "tokens": 2_000_000_000_000,
            "tflops": "400",
        },
    )
    summary = summary_part(
        card(client.get(section_url(draft, "resources")).content.decode(), request)
    )
    flag = re.search(r'data-flag="estimate".*?</div>', summary, re.S).group(0)
    # 70,000 against 58,334: 11,666 above, 20 %.
    assert "11,666 GPU-hours (20 %) above the estimator's 58,334 GPU-hours" in flag
    assert "7.0 billion parameters, 2.0 trillion tokens, 400 TFLOP/s" in flag
    assert "the figures copied into this request" in flag
    assert 'data-flag="limits"' not in summary


def test_the_estimate_follows_the_ai_plan_when_nothing_was_copied_in(client, applicant, draft):
    request = save_request(draft, 30000)
    draft.refresh_from_db()
    summaries = request_summaries(proposal=draft)
    assert [s.request for s in summaries] == [request]
    assert summaries[0].estimate.hours_in_unit == 58334
    assert summaries[0].estimate_difference == 30000 - 58334
    assert not summaries[0].estimator.from_request
    summary = summary_part(
        card(client.get(section_url(draft, "resources")).content.decode(), request)
    )
    assert "the AI plan's figures" in summary


def test_a_cpu_request_has_no_estimate_and_no_estimate_flag(client, applicant, draft):
    cpu = CallPartitionFactory(
        call=draft.call,
        partition=PartitionFactory(cpu=True),
        min_hours=Decimal("1000"),
        max_hours=None,
    )
    request = save_request(draft, 5000, offered=cpu)
    summary = summary_part(
        card(client.get(section_url(draft, "resources")).content.decode(), request)
    )
    assert "Not for CPU partitions" in summary
    assert 'data-flag="estimate"' not in summary


def test_a_request_sent_back_with_an_error_comes_back_unfolded(client, applicant, draft):
    request = save_request(draft, 58334)
    prefix = f"rr{request.pk}"
    response = client.post(
        reverse(
            "applications:resource_request_change",
            kwargs={"pk": draft.pk, "request_pk": request.pk},
        ),
        {
            f"{prefix}-offered_partition": request.offered_partition_id,
            f"{prefix}-hours": "900",
            f"{prefix}-job_size": "64",
            f"{prefix}-storage_tb": "5",
            f"{prefix}-duration_months": draft.call.durations_months[0],
            f"{prefix}-justification": "A much smaller plan.",
            f"{prefix}-version": "1",
        },
    )
    assert response.status_code == 200
    html = card(response.content.decode(), request)
    assert '<details class="request-edit" open>' in html
    assert "below the minimum" in html
    assert "A much smaller plan." in html
    request.refresh_from_db()
    assert request.hours == 58334


def test_with_requests_saved_the_new_request_form_is_folded_until_asked_for(
    client, applicant, draft
):
    body = client.get(section_url(draft, "resources")).content.decode()
    assert 'id="new-request-title">Add a request</h3>' in body  # nothing saved: open, no toggle
    save_request(draft, 58334)
    body = client.get(section_url(draft, "resources")).content.decode()
    assert re.search(r'<details class="request-edit">\s*<summary[^>]*id="new-request-title"', body)


def test_the_resources_page_costs_the_same_queries_for_1_and_3_requests(client, applicant, draft):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(section_url(draft, "resources")).status_code == 200
        return len(queries)

    save_request(draft, 58334)
    one = count()
    for _ in range(2):
        save_request(draft, 20000, offered=CallPartitionFactory(call=draft.call))
    assert draft.requests.count() == 3
    assert count() == one


# --- the estimator ----------------------------------------------------------------------------


def test_the_new_request_estimator_shows_only_a_hint_until_a_partition_is_chosen(
    client, applicant, draft
):
    body = client.get(section_url(draft, "resources")).content.decode()
    estimator = re.search(r'id="estimator-new".*?data-estimate-result>.*?</div>', body, re.S).group(
        0
    )
    assert "<div data-estimator-inputs hidden>" in estimator
    assert 'id="est-new-tflops" name="new-tflops" value=""' in estimator  # no throughput assumed
    assert "Choose the system and partition of this request" in estimator
    assert "GPU-hours" not in estimator.split("data-estimate-result>")[1]


def test_a_half_written_ai_plan_gives_the_estimator_a_hint_not_an_error(client, applicant, draft):
    request = save_request(draft, 58334)
    draft.training_tokens = None
    draft.save()
    html = card(client.get(section_url(draft, "resources")).content.decode(), request)
    result = re.search(r"data-estimate-result>(.*?)</div>", html, re.S).group(1)
    assert "Enter the parameters and training tokens to see the hours." in result
    assert "text-danger" not in result
    assert 'data-flag="estimate"' not in summary_part(html)


def estimate(client, draft, **params):
    query = {"prefix": "new", "new-parameters": "7e9", "new-tokens": "2e12", "new-tflops": "400"}
    query.update(params)
    return client.get(
        reverse("applications:proposal_estimate", kwargs={"pk": draft.pk}), query, **HTMX
    ).content.decode()


def test_the_estimator_answers_a_hint_without_a_partition_or_figures(client, applicant, draft):
    offered = draft.call.offered_partitions.get()
    body = estimate(client, draft, **{"new-offered_partition": ""})
    assert "Choose the system and partition of this request" in body
    assert "Use this figure" not in body
    body = estimate(
        client,
        draft,
        **{"new-offered_partition": offered.pk, "new-parameters": "", "new-tokens": ""},
    )
    assert "Enter the parameters and training tokens" in body
    assert "required" not in body
    body = estimate(client, draft, **{"new-offered_partition": offered.pk, "new-tokens": "lots"})
    assert "Training tokens (D): Enter a number." in body


def test_the_estimator_says_a_cpu_partition_has_no_gpus_whatever_the_figures(
    client, applicant, draft
):
    cpu = CallPartitionFactory(call=draft.call, partition=PartitionFactory(cpu=True))
    body = estimate(
        client, draft, **{"new-offered_partition": cpu.pk, "new-parameters": "", "new-tokens": ""}
    )
    assert "has no GPUs" in body


def test_the_estimator_starts_from_copied_figures_then_the_ai_plan(draft):
    offered = draft.call.offered_partitions.get()
    copied = estimator_inputs_for(
        draft, offered, {"parameters": 1_000_000, "tokens": 2_000_000, "tflops": "123.5"}
    )
    assert (copied.parameters, copied.tokens, copied.tflops, copied.from_request) == (
        1_000_000,
        2_000_000,
        Decimal("123.5"),
        True,
    )
    plan = estimator_inputs_for(draft, offered, {})
    assert (plan.parameters, plan.tokens, plan.tflops, plan.from_request) == (
        7_000_000_000,
        2_000_000_000_000,
        offered.estimator_tflops,
        False,
    )
    nothing_chosen = estimator_inputs_for(draft, None, None)
    assert nothing_chosen.tflops is None and not nothing_chosen.complete


# --- team, AI plan ------------------------------------------------------------------------------


def test_team_members_have_clear_buttons_and_expertise_shown_in_full(client, applicant, draft):
    expertise = (
        "Distributed training on AMD and NVIDIA GPUs, Megatron-LM and DeepSpeed, "
        "eight years of HPC operations at a national centre"
    )
    teammate = MembershipFactory(organisation=draft.organisation, user__first_name="Camille").user
    client.post(
        reverse("applications:team_member_add", kwargs={"pk": draft.pk}),
        {"add-user": teammate.pk, "add-role": "co_investigator", "add-expertise": expertise},
    )
    member = draft.team.get(user=teammate)
    body = client.get(section_url(draft, "team")).content.decode()
    assert "Save Camille" not in body
    row = re.search(rf'id="member-{member.pk}".*?</section>', body, re.S).group(0)
    assert ">Save team member</button>" in row
    # A box that wraps, holding all of it (a one-line input cuts it off on screen).
    assert re.search(
        rf'<textarea[^>]*name="m{member.pk}-expertise"[^>]*>\s*{expertise}</textarea>', row
    )
    assert 'maxlength="300"' in row


def test_ai_plan_and_software_have_no_placeholders_that_could_pass_for_answers(
    client, applicant, draft
):
    for section in ("ai_plan", "software"):
        body = client.get(section_url(draft, section)).content.decode()
        form = re.search(r'<form id="section-form".*?</form>', body, re.S).group(0)
        assert "placeholder=" not in form, section
    body = client.get(section_url(draft, "ai_plan")).content.decode()
    assert "7000000000 for a 7B model" in body  # the example is a help text instead


def test_a_stale_card_save_comes_back_unfolded_over_the_teammates_figures(client, applicant, draft):
    request = save_request(draft, 58334)
    teammate = MembershipFactory(
        organisation=draft.organisation, user__first_name="Bea", user__last_name="Tensor"
    ).user
    resource_request_save(
        proposal=draft, by=teammate, offered_partition=request.offered_partition, hours=45000,
        job_size=64, storage_tb=5, duration_months=draft.call.durations_months[0],
        justification="Bea's plan", resource_request=request, expected_version=1,
    )  # fmt: skip
    prefix = f"rr{request.pk}"
    response = client.post(
        reverse(
            "applications:resource_request_change",
            kwargs={"pk": draft.pk, "request_pk": request.pk},
        ),
        {
            f"{prefix}-offered_partition": request.offered_partition_id,
            f"{prefix}-hours": "60000",
            f"{prefix}-job_size": "64",
            f"{prefix}-storage_tb": "5",
            f"{prefix}-duration_months": draft.call.durations_months[0],
            f"{prefix}-justification": "My own plan",
            f"{prefix}-version": "1",
        },
    )
    html = card(response.content.decode(), request)
    # The summary shows what is stored (the teammate's figure, flagged against the estimate);
    # the form, unfolded, keeps what this applicant typed and offers the new version.
    summary = summary_part(html)
    assert 'data-request-hours="45000"' in summary
    assert 'data-flag="estimate"' in summary
    assert '<details class="request-edit" open>' in html
    assert "Bea Tensor saved the request for" in html
    assert "My own plan" in html and 'value="60000"' in html
    assert f'name="{prefix}-version" value="2"' in html
    request.refresh_from_db()
    assert (request.hours, request.version) == (45000, 2)
