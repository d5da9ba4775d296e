"""Writing a proposal: create, edit with conflict detection, team, resource requests, withdraw."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from applications.models import ProposalStatus, ResourceRequest, TeamMember
from applications.selectors.proposals import (
    applicant_dashboard,
    proposal_sections_completeness,
)
from applications.services.proposals import (
    EditConflict,
    ProposalConflict,
    proposal_create,
    proposal_submit,
    proposal_update,
    proposal_withdraw,
    resource_request_delete,
    resource_request_save,
    team_member_add,
    team_member_remove,
    team_member_update,
)
from portal.models import Activity, Notification
from tests.factories import (
    CallFactory,
    CallPartitionFactory,
    CutOffFactory,
    MembershipFactory,
    PartitionFactory,
    ProposalFactory,
    ResourceRequestFactory,
    SubmittableProposalFactory,
    UserFactory,
    advance,
    pdf_bytes,
)

pytestmark = pytest.mark.django_db


def member_of(organisation):
    return MembershipFactory(organisation=organisation).user


# --- create -------------------------------------------------------------------------------------


def test_create_starts_a_draft_with_the_creator_as_pi():
    cutoff = CutOffFactory()
    membership = MembershipFactory()
    proposal = proposal_create(
        call=cutoff.call, organisation=membership.organisation, by=membership.user
    )
    assert proposal.status == ProposalStatus.DRAFT
    assert proposal.cutoff == cutoff
    assert proposal.pi == membership.user
    assert list(proposal.team.values_list("user", "role")) == [
        (membership.user.pk, TeamMember.Role.PI)
    ]
    assert Activity.objects.filter(verb="proposal.create", object_id=str(proposal.pk)).exists()


def test_only_members_of_the_organisation_can_start_its_proposal():
    cutoff = CutOffFactory()
    membership = MembershipFactory()
    outsider = UserFactory()
    with pytest.raises(ValidationError) as error:
        proposal_create(call=cutoff.call, organisation=membership.organisation, by=outsider)
    assert "not a member" in error.value.message_dict["organisation"][0]


def test_a_second_open_proposal_for_the_same_cutoff_is_refused():
    cutoff = CutOffFactory()
    membership = MembershipFactory()
    first = proposal_create(
        call=cutoff.call, organisation=membership.organisation, by=membership.user
    )
    colleague = member_of(membership.organisation)
    with pytest.raises(ValidationError) as error:
        proposal_create(call=cutoff.call, organisation=membership.organisation, by=colleague)
    message = error.value.message_dict["organisation"][0]
    assert "already has an open proposal" in message
    assert "one proposal per organisation per cut-off" in message
    # Once the first is withdrawn, a new one may start.
    proposal_withdraw(proposal=first, by=membership.user, reason="Wrong call")
    proposal_create(call=cutoff.call, organisation=membership.organisation, by=colleague)


def test_a_call_may_allow_several_proposals_per_cutoff():
    cutoff = CutOffFactory(call=CallFactory(one_open_proposal_per_cutoff=False))
    membership = MembershipFactory()
    for _ in range(2):
        proposal_create(call=cutoff.call, organisation=membership.organisation, by=membership.user)
    assert membership.organisation.proposals.count() == 2


def test_a_call_without_open_cutoff_takes_no_proposals():
    call = CallFactory()
    membership = MembershipFactory()
    with pytest.raises(ValidationError) as error:
        proposal_create(call=call, organisation=membership.organisation, by=membership.user)
    assert "no open cut-off" in error.value.message_dict["call"][0]


# --- update -------------------------------------------------------------------------------------


def test_update_saves_a_partial_draft_and_bumps_the_version():
    proposal = ProposalFactory()
    updated = proposal_update(
        proposal=proposal,
        by=proposal.created_by,
        data={"title": "  Small models for legal text ", "parameters": "7e9"},
        expected_version=1,
    )
    updated.refresh_from_db()
    assert updated.title == "Small models for legal text"
    assert updated.parameters == 7_000_000_000
    assert updated.version == 2
    assert updated.last_edited_by == proposal.created_by


def test_an_edit_based_on_a_stale_version_raises_a_conflict_naming_the_teammate():
    proposal = ProposalFactory()
    alice = proposal.created_by
    bob = member_of(proposal.organisation)
    bob.first_name, bob.last_name = "Bob", "Builder"
    bob.save()
    proposal_update(proposal=proposal, by=bob, data={"title": "Bob's title"}, expected_version=1)
    with pytest.raises(ProposalConflict) as error:
        proposal_update(
            proposal=proposal, by=alice, data={"title": "Alice's title"}, expected_version=1
        )
    assert "Bob Builder saved this proposal" in error.value.messages[0]
    assert error.value.changed_by == bob
    assert error.value.current_version == 2
    assert isinstance(error.value, ValidationError)
    proposal.refresh_from_db()
    assert proposal.title == "Bob's title"


def test_an_unchanged_save_keeps_the_version():
    proposal = ProposalFactory()
    proposal_update(
        proposal=proposal,
        by=proposal.created_by,
        data={"title": proposal.title},
        expected_version=1,
    )
    proposal.refresh_from_db()
    assert proposal.version == 1


@pytest.mark.parametrize(
    ("data", "field", "fragment"),
    [
        ({"abstract": "x" * 2001}, "abstract", "at most 2,000"),
        ({"acronym": "MY MODEL"}, "acronym", "letters, digits and hyphens"),
        ({"training_share_percent": 150}, "training_share_percent", "less than or equal to 100"),
        ({"parameters": "seven billion"}, "parameters", "must be an integer"),
        ({"ai_act_answers": {"high_risk": "maybe"}}, "ai_act_answers", "yes or no"),
        ({"reference": "AIF-X"}, "reference", "cannot be changed"),
    ],
)
def test_update_reports_format_errors_by_field_and_saves_nothing(data, field, fragment):
    proposal = ProposalFactory()
    with pytest.raises(ValidationError) as error:
        proposal_update(
            proposal=proposal,
            by=proposal.created_by,
            data={"title": "Kept out", **data},
            expected_version=1,
        )
    assert fragment in " ".join(error.value.message_dict[field])
    proposal.refresh_from_db()
    assert proposal.title != "Kept out"
    assert proposal.version == 1


def test_a_non_member_cannot_edit():
    proposal = ProposalFactory()
    with pytest.raises(PermissionDenied):
        proposal_update(
            proposal=proposal, by=UserFactory(), data={"title": "Hijack"}, expected_version=None
        )


def test_a_submitted_proposal_cannot_be_edited_by_anyone():
    from tests.factories import ProgrammeOfficerFactory

    proposal = SubmittableProposalFactory()
    proposal_submit(proposal=proposal, by=proposal.created_by)
    proposal.refresh_from_db()
    for person in (proposal.created_by, member_of(proposal.organisation)):
        with pytest.raises(ValidationError, match="submitted and can no longer be edited"):
            proposal_update(
                proposal=proposal, by=person, data={"title": "Late change"}, expected_version=None
            )
    with pytest.raises(ValidationError, match="can no longer be edited"):
        proposal_update(
            proposal=proposal,
            by=ProgrammeOfficerFactory(),
            data={"title": "x"},
            expected_version=None,
        )
    # A superuser is not a role: one who is no officer and no member may not even see it.
    superuser = UserFactory(is_superuser=True, is_staff=True)
    with pytest.raises(PermissionDenied, match="cannot see this proposal"):
        proposal_update(proposal=proposal, by=superuser, data={"title": "x"}, expected_version=None)
    with pytest.raises(ValidationError):
        resource_request_delete(
            proposal=proposal, by=proposal.created_by, resource_request=proposal.requests.first()
        )
    proposal.refresh_from_db()
    assert proposal.title != "Late change"
    assert proposal.requests.count() == 1


# --- team ---------------------------------------------------------------------------------------


def test_team_members_come_from_the_organisation_only():
    proposal = ProposalFactory()
    outsider = UserFactory()
    with pytest.raises(ValidationError) as error:
        team_member_add(proposal=proposal, by=proposal.created_by, user=outsider, role="engineer")
    assert f"not a member of {proposal.organisation}" in error.value.message_dict["user"][0]

    colleague = member_of(proposal.organisation)
    cv = SimpleUploadedFile("cv.pdf", pdf_bytes(), content_type="application/pdf")
    member = team_member_add(
        proposal=proposal,
        by=proposal.created_by,
        user=colleague,
        role="engineer",
        expertise="Distributed training",
        cv=cv,
    )
    assert member.cv.name.startswith(f"proposals/{proposal.pk}/")
    with pytest.raises(ValidationError, match="already on the team"):
        team_member_add(proposal=proposal, by=proposal.created_by, user=colleague, role="data")


def test_a_cv_must_be_a_pdf():
    proposal = ProposalFactory()
    colleague = member_of(proposal.organisation)
    fake = SimpleUploadedFile("cv.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationError) as error:
        team_member_add(
            proposal=proposal, by=proposal.created_by, user=colleague, role="engineer", cv=fake
        )
    assert "'cv.pdf' is not a PDF file" in error.value.message_dict["cv"][0]
    assert not proposal.team.filter(user=colleague).exists()


def test_making_someone_pi_hands_over_and_the_pi_cannot_be_removed():
    proposal = ProposalFactory()
    first_pi = proposal.created_by
    colleague = member_of(proposal.organisation)
    team_member_add(proposal=proposal, by=first_pi, user=colleague, role=TeamMember.Role.PI)
    proposal.refresh_from_db()
    assert proposal.pi == colleague
    assert proposal.team.get(user=first_pi).role == TeamMember.Role.CO_INVESTIGATOR
    with pytest.raises(ValidationError, match="PI cannot be removed"):
        team_member_remove(proposal=proposal, by=first_pi, member=proposal.team.get(user=colleague))
    team_member_remove(proposal=proposal, by=colleague, member=proposal.team.get(user=first_pi))
    assert list(proposal.team.values_list("user", flat=True)) == [colleague.pk]


def test_team_member_update_changes_expertise():
    proposal = ProposalFactory()
    member = proposal.team.get()
    team_member_update(
        proposal=proposal, by=proposal.created_by, member=member, expertise="LLM pre-training"
    )
    member.refresh_from_db()
    assert member.expertise == "LLM pre-training"


# --- resource requests --------------------------------------------------------------------------


def save_request(proposal, offered, **overrides):
    values = {
        "hours": 20000,
        "job_size": 64,
        "storage_tb": "5",
        "duration_months": 3,
        "justification": "Pre-training on 64 GPUs.",
    }
    values.update(overrides)
    return resource_request_save(
        proposal=proposal, by=proposal.created_by, offered_partition=offered, **values
    )


def test_a_request_within_the_limits_is_saved_and_can_be_changed_and_deleted():
    proposal = ProposalFactory()
    offered = CallPartitionFactory(call=proposal.call)
    request = save_request(proposal, offered, estimator_inputs={"parameters": 7e9})
    assert request.hours == Decimal("20000")
    changed = save_request(proposal, offered, hours="30,000", resource_request=request)
    assert changed.pk == request.pk
    assert ResourceRequest.objects.get(pk=request.pk).hours == Decimal("30000")
    resource_request_delete(proposal=proposal, by=proposal.created_by, resource_request=request)
    assert not proposal.requests.exists()


@pytest.mark.parametrize(
    ("hours", "fragment"),
    [
        (9999, "below the minimum of 10,000 GPU-hours"),
        (50001, "above the maximum of 50,000 GPU-hours"),
    ],
)
def test_a_request_outside_the_mode_limits_is_refused(hours, fragment):
    proposal = ProposalFactory()
    offered = CallPartitionFactory(call=proposal.call)
    with pytest.raises(ValidationError) as error:
        save_request(proposal, offered, hours=hours)
    message = error.value.message_dict["hours"][0]
    assert fragment in message
    assert "Fast Lane" in message
    assert not proposal.requests.exists()


def test_a_partition_not_offered_by_the_call_is_refused():
    proposal = ProposalFactory()
    elsewhere = CallPartitionFactory(partition=PartitionFactory(system_name="LUMI"))
    with pytest.raises(ValidationError) as error:
        save_request(proposal, elsewhere)
    message = error.value.message_dict["offered_partition"][0]
    assert "LUMI" in message and "is not offered by" in message


def test_a_duration_the_call_does_not_allow_is_refused():
    proposal = ProposalFactory()
    offered = CallPartitionFactory(call=proposal.call)
    with pytest.raises(ValidationError) as error:
        save_request(proposal, offered, duration_months=12)
    assert error.value.message_dict["duration_months"] == [
        "Choose a duration this call allows: 1, 2, 3 months."
    ]


def test_one_request_per_partition_and_a_job_fits_the_partition():
    proposal = ProposalFactory()
    offered = CallPartitionFactory(call=proposal.call)
    save_request(proposal, offered)
    with pytest.raises(ValidationError, match="already requests hours"):
        save_request(proposal, offered)
    other = CallPartitionFactory(call=proposal.call, partition=PartitionFactory(nodes=2))
    with pytest.raises(ValidationError) as error:
        save_request(proposal, other, job_size=9)
    assert "has 8 GPUs" in error.value.message_dict["job_size"][0]


def _named(user, first, last):
    user.first_name, user.last_name = first, last
    user.save()
    return user


def test_a_stale_change_to_a_request_is_refused_and_names_the_teammate():
    proposal = ProposalFactory()
    alice = proposal.created_by
    bob = _named(member_of(proposal.organisation), "Bob", "Builder")
    offered = CallPartitionFactory(call=proposal.call)
    request = save_request(proposal, offered)
    assert (request.version, request.last_edited_by) == (1, alice)

    # Both load version 1; Bob saves first.
    fields = {"offered_partition": offered, "job_size": 64, "storage_tb": 5, "duration_months": 3}
    resource_request_save(
        proposal=proposal, by=bob, hours=40000, justification="Bob's plan",
        resource_request=request, expected_version=1, **fields,
    )  # fmt: skip
    with pytest.raises(EditConflict) as error:
        resource_request_save(
            proposal=proposal, by=alice, hours=25000, justification="Alice's plan",
            resource_request=request, expected_version=1, **fields,
        )  # fmt: skip
    message = error.value.messages[0]
    assert "Bob Builder saved the request for" in message and str(offered.partition) in message
    assert (error.value.current_version, error.value.changed_by) == (2, bob)
    stored = ResourceRequest.objects.get(pk=request.pk)
    assert (stored.hours, stored.justification, stored.version) == (40000, "Bob's plan", 2)

    # Based on the version Bob saved, Alice's change goes through.
    resource_request_save(
        proposal=proposal, by=alice, hours=25000, justification="Alice's plan",
        resource_request=request, expected_version=2, **fields,
    )  # fmt: skip
    stored.refresh_from_db()
    assert (stored.hours, stored.version, stored.last_edited_by) == (25000, 3, alice)


def test_changing_a_request_a_teammate_removed_says_so():
    proposal = ProposalFactory()
    offered = CallPartitionFactory(call=proposal.call)
    request = save_request(proposal, offered)
    resource_request_delete(proposal=proposal, by=proposal.created_by, resource_request=request)
    with pytest.raises(ValidationError, match="removed this request meanwhile"):
        save_request(proposal, offered, resource_request=request, expected_version=1)
    assert not proposal.requests.exists()  # not brought back by the stale save


def test_a_stale_change_to_a_team_member_is_refused_and_names_the_teammate():
    proposal = ProposalFactory()
    alice = proposal.created_by
    bob = _named(member_of(proposal.organisation), "Bob", "Builder")
    member = proposal.team.get(user=alice)
    team_member_update(
        proposal=proposal, by=bob, member=member, expertise="Bob's words", expected_version=1
    )
    with pytest.raises(EditConflict, match="Bob Builder saved .*'s details") as error:
        team_member_update(
            proposal=proposal, by=alice, member=member, expertise="Mine", expected_version=1
        )
    assert error.value.current_version == 2
    member.refresh_from_db()
    assert (member.expertise, member.version, member.last_edited_by) == ("Bob's words", 2, bob)


def test_handing_over_the_pi_role_moves_the_previous_pis_version_on():
    proposal = ProposalFactory()
    first_pi = proposal.created_by
    colleague = member_of(proposal.organisation)
    team_member_add(proposal=proposal, by=first_pi, user=colleague, role=TeamMember.Role.ENGINEER)
    new_pi = proposal.team.get(user=colleague)
    team_member_update(
        proposal=proposal, by=colleague, member=new_pi, role=TeamMember.Role.PI, expected_version=1
    )
    previous = proposal.team.get(user=first_pi)
    assert (previous.role, previous.version) == (TeamMember.Role.CO_INVESTIGATOR, 2)
    # A form the first PI loaded before the hand-over can no longer make them PI again unseen.
    with pytest.raises(EditConflict):
        team_member_update(
            proposal=proposal, by=first_pi, member=previous, expertise="x", expected_version=1
        )


# --- withdraw -----------------------------------------------------------------------------------


def test_withdrawing_needs_a_reason_and_tells_the_team():
    proposal = SubmittableProposalFactory()
    colleague = member_of(proposal.organisation)
    team_member_add(proposal=proposal, by=proposal.created_by, user=colleague, role="engineer")
    proposal_submit(proposal=proposal, by=proposal.created_by)
    with pytest.raises(ValidationError) as error:
        proposal_withdraw(proposal=proposal, by=colleague, reason="   ")
    assert "reason" in error.value.message_dict
    withdrawn = proposal_withdraw(proposal=proposal, by=colleague, reason="Funding found")
    assert withdrawn.status == ProposalStatus.WITHDRAWN
    assert withdrawn.withdrawal_reason == "Funding found"
    assert Activity.objects.filter(
        verb="proposal.withdraw", from_state="submitted", to_state="withdrawn"
    ).exists()
    told = Notification.objects.filter(template="proposal_withdrawn")
    assert sorted(n.to_email for n in told) == sorted([proposal.created_by.email, colleague.email])
    assert "Funding found" in told.first().body_text


def test_no_withdrawal_after_a_decision():
    proposal = advance(SubmittableProposalFactory(), to=ProposalStatus.REJECTED)
    with pytest.raises(ValidationError, match="only be withdrawn before a decision"):
        proposal_withdraw(proposal=proposal, by=proposal.created_by, reason="Too late")


def test_outsiders_cannot_withdraw():
    proposal = SubmittableProposalFactory()
    with pytest.raises(PermissionDenied):
        proposal_withdraw(proposal=proposal, by=UserFactory(), reason="Mischief")


# --- completeness and the dashboard -------------------------------------------------------------


def test_sections_completeness_follows_what_is_filled():
    proposal = ProposalFactory()
    sections = {s.key: s for s in proposal_sections_completeness(proposal=proposal)}
    assert sections["summary"].complete
    assert sections["team"].complete
    assert not sections["ai_plan"].complete and sections["ai_plan"].done == 0
    assert not sections["resources"].complete
    # With no request at all, "every request justified" is not counted as done either.
    assert sections["resources"].done == 0
    key, label, done, total, complete = sections["summary"]
    assert (key, label, done, total, complete) == ("summary", "Summary", 3, 3, True)
    ready = SubmittableProposalFactory()
    assert all(s.complete for s in proposal_sections_completeness(proposal=ready))


def _dashboard_queries(user) -> int:
    with CaptureQueriesContext(connection) as queries:
        dashboard = applicant_dashboard(user=user)
        for group in dashboard.groups:
            for entry in group.entries:
                str(entry.proposal.cutoff.call), entry.next_step, entry.timeline
    return len(queries)


def test_the_dashboard_costs_the_same_queries_for_1_and_20_proposals():
    membership = MembershipFactory()
    user, organisation = membership.user, membership.organisation
    SubmittableProposalFactory(organisation=organisation, created_by=user)
    one = _dashboard_queries(user)
    for _ in range(19):
        ResourceRequestFactory(proposal=ProposalFactory(organisation=organisation, created_by=user))
    assert _dashboard_queries(user) == one
    dashboard = applicant_dashboard(user=user)
    assert len(dashboard.drafts) == 20
    assert dashboard.next_deadline is not None
    assert dashboard.groups[0].status == ProposalStatus.DRAFT


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_edits_of_the_same_version_one_wins_one_is_told(require_postgresql):
    from concurrent.futures import ThreadPoolExecutor

    proposal = ProposalFactory()
    editors = [proposal.created_by, member_of(proposal.organisation)]

    def edit(editor):
        try:
            proposal_update(
                proposal=proposal,
                by=editor,
                data={"title": f"By {editor.pk}"},
                expected_version=1,
            )
            return "saved"
        except ProposalConflict:
            return "conflict"
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = sorted(pool.map(edit, editors))
    assert outcomes == ["conflict", "saved"]
    proposal.refresh_from_db()
    assert proposal.version == 2
