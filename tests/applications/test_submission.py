"""Submitting a proposal: the rules it must meet, the reference number, the lock, the receipt."""

from __future__ import annotations

import zoneinfo
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from applications.models import PdfStatus, ProposalStatus, ReferenceCounter
from applications.selectors.proposals import proposal_submission_problems
from applications.services.proposals import (
    proposal_submit,
    proposal_update,
    reference_prefix,
)
from portal.models import Activity
from tests.factories import (
    MembershipFactory,
    SubmittableProposalFactory,
    TeamMemberFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def submit(proposal, by=None):
    return proposal_submit(proposal=proposal, by=by or proposal.created_by)


def test_complete_draft_is_submitted_locked_and_numbered(django_capture_on_commit_callbacks):
    proposal = SubmittableProposalFactory()
    assert proposal_submission_problems(proposal=proposal) == {}
    with django_capture_on_commit_callbacks(execute=True):
        submitted = submit(proposal)
    submitted.refresh_from_db()
    assert submitted.status == ProposalStatus.SUBMITTED
    assert submitted.submitted_at is not None
    local = submitted.cutoff.at.astimezone(zoneinfo.ZoneInfo("Europe/Brussels"))
    assert submitted.reference == f"AIF-FL-{local:%Y}-{local:%m}-0001"
    assert Activity.objects.filter(
        verb="proposal.submit",
        object_id=str(proposal.pk),
        from_state="draft",
        to_state="submitted",
    ).exists()
    # Locked: nobody can edit it any more.
    with pytest.raises(ValidationError, match="can no longer be edited"):
        proposal_update(
            proposal=submitted, by=proposal.created_by, data={"title": "New"}, expected_version=None
        )


def test_receipt_goes_to_pi_and_team_with_the_pdf_attached(
    django_capture_on_commit_callbacks, mailoutbox
):
    proposal = SubmittableProposalFactory()
    teammate = UserFactory()
    MembershipFactory(organisation=proposal.organisation, user=teammate)
    TeamMemberFactory(proposal=proposal, user=teammate)
    with django_capture_on_commit_callbacks(execute=True):
        submit(proposal)
    proposal.refresh_from_db()
    assert proposal.pdf_status == PdfStatus.READY
    receipts = [m for m in mailoutbox if proposal.reference in m.subject]
    assert sorted(m.to[0] for m in receipts) == sorted([proposal.created_by.email, teammate.email])
    for message in receipts:
        ((name, content, mimetype),) = message.attachments
        assert name == f"{proposal.reference}.pdf"
        assert mimetype == "application/pdf"
        assert content.startswith(b"%PDF-")


# --- what stops a submission ----------------------------------------------------------------------


def problems_of(proposal) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as error:
        submit(proposal)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.DRAFT and proposal.reference is None
    return error.value.message_dict


def test_an_organisation_from_an_ineligible_country_cannot_submit():
    proposal = SubmittableProposalFactory(organisation__country="CH")
    proposal.call.eligible_countries = ["DE", "FR"]
    proposal.call.save()
    message = problems_of(proposal)["organisation"][0]
    assert "Switzerland" in message and "not eligible" in message


def test_an_ineligible_kind_of_organisation_cannot_submit():
    proposal = SubmittableProposalFactory(
        organisation__employees=900,
        organisation__annual_turnover_eur=Decimal("90000000"),
        organisation__balance_sheet_eur=Decimal("80000000"),
    )
    message = problems_of(proposal)["organisation"][0]
    assert "large enterprise" in message
    assert "Startup or SME only" in message


def test_a_draft_needs_a_request_every_required_field_and_the_civilian_use_confirmation():
    proposal = SubmittableProposalFactory(
        request=False, civilian_use_confirmed=False, model_type="", abstract=""
    )
    problems = problems_of(proposal)
    assert problems["requests"] == ["Request hours on at least one partition."]
    assert problems["civilian_use_confirmed"] == [
        "Confirm that the project is for civilian use only."
    ]
    assert problems["model_type"] == ["The model type is required."]
    assert problems["abstract"] == ["The abstract is required."]


def test_requests_are_checked_again_against_limits_changed_after_saving():
    proposal = SubmittableProposalFactory(request__hours=Decimal("40000"))
    offered = proposal.requests.get().offered_partition
    offered.max_hours = Decimal("30000")
    offered.save()
    message = problems_of(proposal)["requests"][0]
    assert "above the maximum of 30,000 GPU-hours" in message


def test_a_second_proposal_of_the_organisation_for_the_cutoff_cannot_be_submitted():
    first = SubmittableProposalFactory()
    # A second draft for the same cut-off (e.g. rolled over from an earlier one).
    second = SubmittableProposalFactory(
        cutoff=first.cutoff, organisation=first.organisation, created_by=first.created_by
    )
    submit(first)
    message = problems_of(second)["organisation"][0]
    assert "already has an open proposal for this cut-off" in message


def test_someone_outside_the_organisation_cannot_submit():
    proposal = SubmittableProposalFactory()
    with pytest.raises(PermissionDenied):
        submit(proposal, by=UserFactory())


def test_a_submitted_proposal_cannot_be_submitted_again():
    proposal = SubmittableProposalFactory()
    submit(proposal)
    with pytest.raises(ValidationError, match="only drafts can be submitted"):
        submit(proposal)
    assert ReferenceCounter.objects.get().last == 1


# --- reference numbers ----------------------------------------------------------------------------


def test_reference_numbers_are_sequential_per_mode_and_cutoff_month():
    first = SubmittableProposalFactory()
    same_cutoff = [SubmittableProposalFactory(cutoff=first.cutoff) for _ in range(2)]
    references = [submit(p).reference for p in [first, *same_cutoff]]
    prefix = references[0].rsplit("-", 1)[0]
    assert references == [f"{prefix}-0001", f"{prefix}-0002", f"{prefix}-0003"]
    assert prefix.startswith("AIF-FL-")
    large = SubmittableProposalFactory(
        cutoff__call__mode="large_scale", request__hours=Decimal("60000")
    )
    assert submit(large).reference.endswith("-0001")  # its own sequence
    assert reference_prefix(proposal=large).startswith("AIF-LS-")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_submissions_get_distinct_sequential_numbers(require_postgresql):
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    first = SubmittableProposalFactory()
    proposals = [first] + [SubmittableProposalFactory(cutoff=first.cutoff) for _ in range(7)]

    def run(proposal):
        try:
            return submit(proposal).reference
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        references = list(pool.map(run, proposals))
    assert len(set(references)) == 8
    assert sorted(int(r.rsplit("-", 1)[1]) for r in references) == list(range(1, 9))
