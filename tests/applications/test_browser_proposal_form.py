"""In Chromium: the founder's resource requests are cards that unfold into their form, with a
flag beside a request the call's limits or the estimate disagree with; the estimator waits for a
partition; the page heading follows the title as it is autosaved."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from applications.models import Proposal
from tests.applications.test_browser_founder import founder_and_call, log_in, wait_saved

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

__all__ = ["founder_and_call"]  # the fixture, shared with the founder's journey

# 6 x 7e9 x 1.4e12 FLOPs at 400 TFLOP/s per GPU: 40,834 GPU-hours on MareNostrum 5 ACC.
ESTIMATE = 40834


def a_draft(founder, organisation, call, **fields):
    return Proposal.objects.create(
        call=call,
        cutoff=call.cutoffs.get(),
        organisation=organisation,
        created_by=founder,
        pi=founder,
        parameters=7_000_000_000,
        training_tokens=1_400_000_000_000,
        **fields,
    )


def test_a_request_card_unfolds_to_edit_and_flags_what_disagrees(page, founder_and_call):
    founder, organisation, call, mn5 = founder_and_call
    proposal = a_draft(founder, organisation, call)
    request = proposal.requests.create(
        offered_partition=mn5,
        hours=ESTIMATE,
        job_size=64,
        duration_months=3,
        justification="One pre-training run.",
    )
    page.goto(reverse("applications:proposal_section", args=[proposal.pk, "resources"]))
    log_in(page)
    card = page.locator(f"#request-{request.pk}")
    card.get_by_text(f"{ESTIMATE:,} GPU-hours").first.wait_for()
    # Matches the estimate from the AI plan, within the limits: nothing flagged, form folded.
    assert card.locator("[data-flag]").count() == 0
    assert not card.get_by_label("Justification").is_visible()
    assert not card.get_by_label("Parameters (N)").is_visible()

    card.get_by_text("Edit request").click()
    card.locator(f"#id_rr{request.pk}-hours").fill("50000")
    card.get_by_label("Justification").fill("Pre-training, then two ablations.")
    card.get_by_role("button", name="Save request").click()
    page.get_by_text("Saved the request for MareNostrum 5 ACC (BSC).").wait_for()

    card = page.locator(f"#request-{request.pk}")
    flag = card.locator("[data-flag=estimate]")
    flag.wait_for()
    # 50,000 - 40,834 = 9,166 above, 22 % of the estimate.
    assert "9,166 GPU-hours (22 %) above the estimator's 40,834 GPU-hours" in flag.inner_text()
    assert not card.get_by_label("Justification").is_visible()  # folded again once saved
    request.refresh_from_db()
    assert (request.hours, request.version) == (50000, 2)

    # The officer lowers the maximum after the save: the card says so, with the figures.
    mn5.max_hours = Decimal("45000")
    mn5.save()
    page.reload()
    limits = page.locator(f"#request-{request.pk} [data-flag=limits]")
    limits.wait_for()
    assert "above the maximum of 45,000 GPU-hours" in limits.inner_text()


def test_the_estimator_waits_for_a_partition(page, founder_and_call):
    founder, organisation, call, mn5 = founder_and_call
    proposal = a_draft(founder, organisation, call)
    page.goto(reverse("applications:proposal_section", args=[proposal.pk, "resources"]))
    log_in(page)
    new = page.locator("#new-request")
    new.get_by_text("Choose the system and partition of this request").wait_for()
    assert not new.get_by_label("Parameters (N)").is_visible()
    assert not new.get_by_role("button", name="Use this figure").is_visible()

    # The choice asks the server for the estimate: wait for that answer itself, so that a lost
    # request and a slow one fail differently.
    with page.expect_response(lambda r: "/estimate/" in r.url, timeout=30_000) as answer:
        new.get_by_label("System and partition").select_option(str(mn5.pk))
    assert answer.value.status == 200, answer.value.status
    new.get_by_text(f"{ESTIMATE:,} GPU-hours").wait_for()
    assert new.get_by_label("Parameters (N)").is_visible()
    assert new.locator("#est-new-tflops").input_value() == "400.0"
    assert new.locator("[data-unit-for=new]").inner_text() == "(GPU-hours)"

    # Back to no partition: the figures go away again, and only the hint is left.
    new.get_by_label("System and partition").select_option("")
    new.get_by_text("Choose the system and partition of this request").wait_for()
    assert not new.get_by_label("Parameters (N)").is_visible()


def test_a_partition_chosen_before_the_scripts_ran_is_estimated_once_they_do(
    page, founder_and_call
):
    # On a slow line the form shows before its script runs; a choice made then is not lost.
    founder, organisation, call, mn5 = founder_and_call
    proposal = a_draft(founder, organisation, call)
    page.goto(reverse("applications:proposal_section", args=[proposal.pk, "resources"]))
    log_in(page)
    held = []
    page.route("**/js/proposal-form*.js", lambda route: held.append(route))
    page.reload(wait_until="commit")
    new = page.locator("#new-request")
    new.get_by_label("System and partition").select_option(str(mn5.pk))
    for _ in range(100):  # the script's request reaches the route while the page still parses
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "the page's script was not requested"
    assert new.locator("#est-new-tflops").input_value() == ""  # nothing has listened yet
    held[0].continue_()
    expect(new.locator("#est-new-tflops")).to_have_value("400.0")
    new.get_by_text(f"{ESTIMATE:,} GPU-hours").wait_for()


def test_the_heading_follows_the_autosaved_title(page, founder_and_call):
    founder, organisation, call, mn5 = founder_and_call
    proposal = a_draft(founder, organisation, call, title="", acronym="")
    page.goto(reverse("applications:proposal_section", args=[proposal.pk, "summary"]))
    log_in(page)
    heading = page.get_by_role("heading", level=1)
    assert heading.inner_text() == "Untitled proposal"

    page.get_by_label("Title").fill("Legal drafting model for European SMEs")
    page.get_by_label("Acronym").fill("LEXDRAFT")
    wait_saved(page)
    page.get_by_role(
        "heading", level=1, name="Legal drafting model for European SMEs (LEXDRAFT)"
    ).wait_for()
    assert page.title().startswith("LEXDRAFT — Summary")
    proposal.refresh_from_db()
    assert proposal.title == "Legal drafting model for European SMEs"
