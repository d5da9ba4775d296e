"""In Chromium: a founder finds the call, clicks Apply, writes every section over two sittings
(logging out in between, and once losing the session while typing), sizes the request with the
estimator, uploads a PDF, sees a renamed executable refused without losing anything, submits,
and gets the receipt with the PDF attached."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect
from pypdf import PdfReader, PdfWriter

from allocations.units import Unit
from applications.models import Proposal, ProposalStatus
from portal.models import Membership, Notification
from tests.factories import (
    CallFactory,
    CallPartitionFactory,
    CentreFactory,
    CutOffFactory,
    MembershipFactory,
    OrganisationFactory,
    PartitionFactory,
    UserFactory,
)
from tests.factories.portal import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ABSTRACT = (
    "Tensorwerk pre-trains a 7-billion-parameter decoder model on 1.4 trillion tokens of "
    "European-language text, then adapts it for legal drafting in SMEs."
)


def a_real_pdf(path) -> str:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": "Technical annex"})
    with open(path, "wb") as fh:
        writer.write(fh)
    return str(path)


def a_renamed_executable(path) -> str:
    path.write_bytes(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 512 + b"This program")
    return str(path)


@pytest.fixture
def founder_and_call():
    founder = UserFactory(email="founder@tensorwerk.example", first_name="Lena", last_name="Roth")
    organisation = OrganisationFactory(legal_name="Tensorwerk GmbH")
    MembershipFactory(organisation=organisation, user=founder, role=Membership.Role.OWNER)
    call = CallFactory(title="AI Factories Fast Lane — winter", slug="fast-lane-winter")
    CutOffFactory(call=call)
    mn5 = CallPartitionFactory(
        call=call,
        partition=PartitionFactory(
            centre=CentreFactory(short_name="BSC", name="Barcelona Supercomputing Center"),
            system_name="MareNostrum 5",
            name="ACC",
            sustained_tflops_per_accelerator=Decimal("400"),
        ),
    )
    CallPartitionFactory(
        call=call,
        partition=PartitionFactory(
            centre=CentreFactory(short_name="CSC", name="CSC – IT Center for Science"),
            system_name="LUMI",
            name="G",
            accelerator_model="AMD MI250X (8 GCDs)",
            accelerators_per_node=8,
            unit=Unit.NODE_HOURS,
        ),
        min_hours=Decimal("1000"),
        max_hours=Decimal("6000"),
    )
    return founder, organisation, call, mn5


def log_in(page):
    page.locator("input[name=login]").fill("founder@tensorwerk.example")
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    # Wait for the page the login leads to, scripts included: text that is on screen while the
    # page still loads would let a test type into a field whose autosave is not wired yet.
    page.wait_for_url(lambda url: "/accounts/login/" not in url, wait_until="load")


def wait_saved(page):
    page.locator("#save-status [data-save-state=saved]").wait_for()


def test_founder_applies_over_two_sittings_and_gets_the_receipt(page, tmp_path, founder_and_call):
    founder, organisation, call, mn5 = founder_and_call

    # --- First sitting ---------------------------------------------------------------------
    # The call page's Apply button asks for a login and comes back to the application.
    page.goto(call.get_absolute_url())
    page.get_by_role("link", name="Apply").click()
    log_in(page)
    page.get_by_role("heading", name="Start a proposal", exact=True).wait_for()
    assert page.get_by_label("Apply on behalf of").input_value() == str(organisation.pk)
    page.get_by_role("button", name="Start the proposal").click()

    page.get_by_role("heading", name="Summary", exact=True).wait_for()
    proposal = Proposal.objects.get(organisation=organisation)
    page.get_by_label("Title").fill("Legal drafting model for European SMEs")
    page.get_by_label("Acronym").fill("LEXDRAFT")
    page.get_by_label("Abstract").fill(ABSTRACT)
    page.get_by_text(f"{len(ABSTRACT)} / 2,000 characters").wait_for()  # live counter
    wait_saved(page)  # autosaved while typing
    proposal.refresh_from_db()
    assert proposal.title == "Legal drafting model for European SMEs"
    assert proposal.abstract == ABSTRACT

    # Team: the founder is the PI and adds a CV.
    page.get_by_role("button", name="Save and continue: Team").click()
    page.get_by_role("heading", name="Team", exact=True).wait_for()
    member = proposal.team.get(user=founder)
    row = page.locator(f"#member-{member.pk}")
    row.get_by_label("Expertise").fill("NLP research lead, 10 years")
    row.locator("input[type=file]").set_input_files(a_real_pdf(tmp_path / "cv-lena-roth.pdf"))
    row.get_by_role("button", name="Save team member").click()
    page.get_by_text("Saved Lena Roth's details.").wait_for()
    assert page.locator(f"#member-{member.pk}").get_by_role("link", name="CV").is_visible()

    # AI plan, then move on with the section navigation (which saves).
    page.get_by_role("link", name="Continue: AI plan").click()
    page.get_by_label("Model type").fill("Decoder-only transformer")
    page.get_by_label("Model size (parameters, N)").fill("7000000000")
    page.get_by_label("Training tokens (D)").fill("1400000000000")
    page.get_by_label("Data set size (TB)").fill("6")
    page.get_by_label("Training share of the hours (%)").fill("85")
    page.get_by_label("Methodology and work plan").fill("Pre-training, then instruction tuning.")
    page.locator("[data-section-link=resources]").click()

    # Resource request sized with the estimator: N and D come from the AI plan, the
    # throughput from the chosen partition.
    page.get_by_role("heading", name="Resource requests", exact=True).wait_for()
    new = page.locator("#new-request")
    new.get_by_label("System and partition").select_option(str(mn5.pk))
    # The estimator's inputs are filled once the partition's answer arrives (htmx): wait for it.
    expect(new.locator("#est-new-tflops")).to_have_value("400.0")
    assert new.locator("#est-new-parameters").input_value() == "7000000000"
    # 6 x 7e9 x 1.4e12 = 5.88e22 FLOPs; / 400 TFLOP/s / 3600 = 40,833.3 GPU-hours, rounded up.
    new.get_by_text("40,834 GPU-hours").wait_for()
    new.get_by_role("button", name="Use this figure").click()
    assert new.locator("#id_new-hours").input_value() == "40834"
    new.get_by_label("Typical job size").fill("64")
    new.get_by_label("Storage (TB)").fill("12")
    new.get_by_label("Duration").select_option("3")
    new.get_by_label("Justification").fill("Two pre-training runs on 64 GPUs with ablations.")
    new.get_by_role("button", name="Add request").click()
    page.get_by_text("Saved the request for MareNostrum 5 ACC (BSC).").wait_for()
    request = proposal.requests.get()
    assert request.hours == 40834
    assert request.estimator_inputs["tokens"] == 1_400_000_000_000

    # The founder logs out for the day.
    page.get_by_role("button", name="Lena Roth").click()
    page.get_by_role("button", name="Log out").click()
    page.get_by_role("link", name="Log in").wait_for()

    # --- Second sitting --------------------------------------------------------------------
    page.goto(reverse("applications:dashboard"))
    log_in(page)
    draft = page.locator(f"[data-draft='{proposal.pk}']")
    draft.get_by_text("Legal drafting model for European SMEs").wait_for()
    assert "% complete" in draft.inner_text()
    draft.click()
    assert page.get_by_label("Title").input_value() == "Legal drafting model for European SMEs"
    assert page.get_by_label("Abstract").input_value() == ABSTRACT

    # The session expires while the founder types: the text stays, login returns to it.
    page.context.clear_cookies(name="sessionid")  # the CSRF cookie outlives a session
    extra = " Evaluation covers 24 EU languages."
    page.get_by_label("Abstract").press("Control+End")
    page.get_by_label("Abstract").type(extra)
    page.get_by_text("Your session has expired").wait_for()
    assert page.get_by_label("Abstract").input_value() == ABSTRACT + extra
    page.get_by_role("link", name="Log in again").click()
    log_in(page)
    page.get_by_role("heading", name="Summary", exact=True).wait_for()
    # The notice appears once the page's script has put the text back (the heading may show
    # before that script has run).
    page.get_by_text("We restored text you typed").wait_for()
    assert page.get_by_label("Abstract").input_value() == ABSTRACT + extra  # restored
    wait_saved(page)
    proposal.refresh_from_db()
    assert proposal.abstract == ABSTRACT + extra

    page.locator("[data-section-link=software]").click()
    page.get_by_label("Software stack").fill("PyTorch 2.5, Megatron-LM, NCCL, Slurm")
    page.get_by_label("Containers").fill("Apptainer image from the NGC PyTorch container")
    page.get_by_role("button", name="Save and continue: Data and ethics").click()

    page.get_by_label("Data sources").fill("EUR-Lex, national legal gazettes, Common Crawl")
    page.get_by_label("Data licences").fill("Public-domain legislation; CC BY 4.0")
    page.locator("input[name=uses_personal_data][value=false]").check()
    for question in ("prohibited_practice", "high_risk", "biometric_data"):
        page.locator(f"input[name=ai_act_{question}][value=no]").check()
    for question in ("general_purpose", "interacts_with_people"):
        page.locator(f"input[name=ai_act_{question}][value=yes]").check()
    page.get_by_label("I confirm the results will be used for civilian purposes only.").check()
    page.get_by_role("button", name="Save and continue: Commercial information").click()

    page.get_by_label(re.compile("Treat this proposal as commercially confidential")).check()
    page.get_by_label(re.compile("Expected impact")).fill("Cheaper legal drafting for 5,000 SMEs.")
    page.get_by_role("button", name="Save and continue: Attachments").click()

    # A real PDF is accepted; a renamed executable is refused and nothing else is lost.
    page.get_by_role("heading", name="Attachments", exact=True).wait_for()
    page.get_by_label("Kind of document").select_option("technical")
    page.get_by_label("PDF file").set_input_files(a_real_pdf(tmp_path / "technical-annex.pdf"))
    page.get_by_role("button", name="Upload").click()
    page.get_by_text("Uploaded “technical-annex.pdf”.").wait_for()

    page.get_by_label("Kind of document").select_option("business")
    page.get_by_label("PDF file").set_input_files(a_renamed_executable(tmp_path / "plan.pdf"))
    page.get_by_role("button", name="Upload").click()
    page.get_by_text("'plan.pdf' is not a PDF file").wait_for()
    assert page.locator("[data-attachment='technical-annex.pdf']").is_visible()
    assert page.get_by_label("Kind of document").input_value() == "business"
    assert proposal.attachments.count() == 1
    proposal.refresh_from_db()
    assert proposal.title == "Legal drafting model for European SMEs"

    # Every section is complete; the founder submits.
    page.get_by_role("link", name="Review and submit").first.click()
    page.get_by_text("Every section is complete").wait_for()
    deadline = page.locator("#deadline").inner_text()
    assert re.search(r", \d{2}:\d{2} CES?T \(Europe/Brussels\)", deadline), deadline
    page.get_by_role("button", name="Submit the proposal").click()
    page.get_by_text("Your reference number is").wait_for()
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.SUBMITTED
    assert re.fullmatch(r"AIF-FL-\d{4}-\d{2}-\d{4}", proposal.reference)
    assert page.locator("[data-reference]").inner_text() == proposal.reference
    page.get_by_text("The proposal is locked").wait_for()

    # The receipt, with the PDF of the proposal attached, reached the founder.
    receipt = Notification.objects.get(template="proposal_receipt", recipient=founder)
    assert receipt.status == Notification.Status.SENT, receipt.last_error
    sent = [m for m in mail.outbox if founder.email in m.to and proposal.reference in m.subject]
    assert sent, [m.subject for m in mail.outbox]
    filename, content, mimetype = sent[-1].attachments[0]
    assert filename == f"{proposal.reference}.pdf"
    assert mimetype == "application/pdf"
    assert len(PdfReader(io.BytesIO(content)).pages) >= 1

    # The locked proposal offers its PDF and no more editing.
    page.reload()
    page.get_by_role("link", name=f"Download {proposal.reference}.pdf").wait_for()
    page.goto(reverse("applications:proposal_section", args=[proposal.pk, "summary"]))
    page.get_by_text("can no longer be edited").wait_for()


def test_a_request_saved_after_the_session_expired_is_restored_after_login(page, founder_and_call):
    """The full-page Save of a resource request, with the session gone: the founder logs in
    again, lands back on the requests page with what they typed, and saves it."""
    founder, organisation, call, mn5 = founder_and_call
    proposal = Proposal.objects.create(
        call=call,
        cutoff=call.cutoffs.get(),
        organisation=organisation,
        created_by=founder,
        pi=founder,
    )
    request = proposal.requests.create(
        offered_partition=mn5, hours=20000, job_size=64, duration_months=3, justification="Old."
    )
    page.goto(reverse("applications:proposal_section", args=[proposal.pk, "resources"]))
    log_in(page)
    card = page.locator(f"#request-{request.pk}")
    card.get_by_text("Edit request").click()
    card.get_by_label("Justification").wait_for()

    page.context.clear_cookies(name="sessionid")
    card.get_by_label("Justification").fill("Three ablation runs on 64 GPUs, then the main run.")
    card.locator(f"#id_rr{request.pk}-hours").fill("30000")
    card.get_by_role("button", name="Save request").click()

    # The login page, then back to the requests page (not to the endpoint that saves).
    page.locator("input[name=login]").wait_for()
    log_in(page)
    page.get_by_role("heading", name="Resource requests").wait_for()
    page.get_by_text("We restored text you typed").wait_for()
    card = page.locator(f"#request-{request.pk}")
    # The restored text unfolds the card's form, which the page shows folded.
    assert card.get_by_label("Justification").is_visible()
    assert card.get_by_label("Justification").input_value().startswith("Three ablation runs")
    assert card.locator(f"#id_rr{request.pk}-hours").input_value() == "30000"
    request.refresh_from_db()
    assert request.justification == "Old."  # nothing was saved without a session

    card.get_by_role("button", name="Save request").click()
    page.get_by_text("Saved the request for MareNostrum 5 ACC (BSC).").wait_for()
    request.refresh_from_db()
    assert (request.hours, request.version) == (30000, 2)
    assert request.justification.startswith("Three ablation runs")


@pytest.mark.parametrize("older_copy", [True, False], ids=["older-copy-in-tab", "no-copy"])
def test_text_typed_before_the_page_script_ran_is_kept_and_saved(
    page, founder_and_call, older_copy
):
    """On a slow page the founder can type before the form's script (and htmx) have run, so no
    input event is seen. What is on screen is then saved, and an older unsaved copy in the tab
    does not overwrite it."""
    founder, organisation, call, mn5 = founder_and_call
    proposal = Proposal.objects.create(
        call=call,
        cutoff=call.cutoffs.get(),
        organisation=organisation,
        created_by=founder,
        pi=founder,
        abstract=ABSTRACT,
    )
    url = reverse("applications:proposal_section", args=[proposal.pk, "summary"])
    page.goto(url)
    log_in(page)
    page.get_by_label("Abstract").wait_for()
    if older_copy:
        page.evaluate(
            "([key, text]) => sessionStorage.setItem(key, JSON.stringify("
            "{values: {abstract: text}, submitted: false}))",
            [f"proposal-draft:{proposal.pk}:summary", ABSTRACT + " An older copy."],
        )

    held = []  # the form's script is slow to arrive
    page.route("**/js/proposal-form.js*", lambda route: held.append(route))
    page.goto(url, wait_until="commit")
    page.get_by_label("Abstract").fill(ABSTRACT + " Typed while the page loaded.")
    assert held, "the page asked for its script"
    held[0].continue_()

    wait_saved(page)
    assert page.get_by_label("Abstract").input_value() == ABSTRACT + " Typed while the page loaded."
    assert not page.get_by_text("We restored text you typed").is_visible()
    proposal.refresh_from_db()
    assert proposal.abstract == ABSTRACT + " Typed while the page loaded."
