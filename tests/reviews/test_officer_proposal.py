"""The programme officer's own view of a proposal: everything about it on one page, for officers
only, with the steps the workflow table allows them now, in a query count that does not grow."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from applications.models import ProposalStatus
from applications.modes import AccessMode
from portal.models import Activity
from reviews.models import TechnicalAssessment
from reviews.services.assessments import assessment_submit
from reviews.services.eligibility import eligibility_checklist_ensure, eligibility_decide
from tests.factories import (
    AttachmentFactory,
    CallPartitionFactory,
    CentreMembershipFactory,
    PartitionFactory,
    ProgrammeOfficerFactory,
    ProposalFactory,
    ResourceRequestFactory,
    ReviewerFactory,
    SubmittableProposalFactory,
    UserFactory,
    advance,
)

pytestmark = pytest.mark.django_db
# Above the Large Scale minimum request.
LARGE_SCALE_HOURS = Decimal("60000")
PANEL_COMMENT = "Queue times at BSC are long in spring; fund at most half"


@pytest.fixture(autouse=True)
def _staff_without_totp(settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False


@pytest.fixture
def officer():
    return ProgrammeOfficerFactory(first_name="Otto", last_name="Officer")


def _url(proposal) -> str:
    return reverse("reviews:officer_proposal", args=[proposal.pk])


def assessed_proposal(
    capture,
    *,
    requests: int = 1,
    attachments: int = 1,
    officer=None,
    mode: str = AccessMode.LARGE_SCALE,
):
    """An eligible proposal with `requests` requests on one centre, each assessed with a comment
    to the panel, and `attachments` attachments. Large Scale by default: there the officer starts
    the review (a first-come-first-served proposal enters technical assessment on its own)."""
    member = CentreMembershipFactory(centre__short_name="BSC")
    proposal = SubmittableProposalFactory(
        request=False,
        organisation__legal_name="Fjord Robotics AS",
        cutoff__call__mode=mode,
    )
    for _ in range(requests):
        ResourceRequestFactory(
            proposal=proposal,
            hours=LARGE_SCALE_HOURS if mode == AccessMode.LARGE_SCALE else Decimal("20000"),
            offered_partition=CallPartitionFactory(
                call=proposal.call, partition=PartitionFactory(centre=member.centre)
            ),
        )
    for n in range(attachments):
        AttachmentFactory(proposal=proposal, original_name=f"annex-{n}.pdf")
    with capture(execute=True):
        proposal = advance(proposal, to=ProposalStatus.SUBMITTED)
        criteria = eligibility_checklist_ensure(call=proposal.call)
        eligibility_decide(
            proposal=proposal,
            outcome="eligible",
            reason="",
            ticked=[c.pk for c in criteria if c.kind == "manual"],
            by=officer or ProgrammeOfficerFactory(),
        )
    for assessment in TechnicalAssessment.objects.filter(proposal=proposal):
        assessment_submit(
            assessment=assessment,
            by=member.user,
            outcome=TechnicalAssessment.Outcome.FEASIBLE_WITH_CHANGES,
            recommended_hours=Decimal("15000"),
            comment_to_applicant="Use 12-hour jobs.",
            comment_to_panel=PANEL_COMMENT,
        )
    proposal.refresh_from_db()
    return proposal


def test_the_officer_reads_everything_about_the_proposal(
    client, officer, django_capture_on_commit_callbacks
):
    proposal = assessed_proposal(django_capture_on_commit_callbacks, officer=officer)
    client.force_login(officer)
    response = client.get(_url(proposal))
    assert response.status_code == 200
    page = response.content.decode()
    organisation = proposal.organisation
    for fact in (
        "Fjord Robotics AS",
        organisation.registration_number,
        organisation.get_country_display(),
        organisation.get_kind_display(),
        f"{organisation.employees} FTE",
        proposal.abstract,  # the sections, read-only
        proposal.ai_plan,
        "annex-0.pdf",
        reverse(
            "applications:attachment_download", args=[proposal.pk, proposal.attachments.get().pk]
        ),
        "Feasible with changes",
        "15,000",
        "Use 12-hour jobs.",
        PANEL_COMMENT,
        reverse("reviews:eligibility_proposal", args=[proposal.pk]),
        'data-eligibility="eligible"',
        'id="access-clock"',
        "Otto Officer declared the proposal eligible",  # the audit trail, worded for staff
        "of BSC assessed a request",
    ):
        assert fact in page, fact
    # Eligible, assessed, not yet in review: the table offers this officer one step.
    actions = response.context["dossier"].actions
    assert [a.action for a in actions] == ["start_review"]


def test_a_plain_step_is_taken_through_the_door(
    client, officer, django_capture_on_commit_callbacks
):
    proposal = assessed_proposal(django_capture_on_commit_callbacks)
    client.force_login(officer)
    step = reverse("reviews:officer_proposal_step", args=[proposal.pk])
    # A step the table does not allow now is refused and changes nothing.
    response = client.post(step, {"action": "award"}, follow=True)
    assert "That step is not open for this proposal now." in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ELIGIBLE
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(step, {"action": "start_review"}, follow=True)
    assert response.status_code == 200
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.IN_REVIEW
    assert Activity.objects.filter(verb="proposal.start_review", actor=officer).count() == 1
    actions = {a.action for a in response.context["dossier"].actions}
    assert "send_to_panel" in actions and "start_review" not in actions


def test_first_come_first_served_decisions_link_to_their_page(
    client, officer, django_capture_on_commit_callbacks
):
    # Eligible and fully assessed: the portal itself moved it into technical assessment.
    proposal = assessed_proposal(django_capture_on_commit_callbacks, mode=AccessMode.FAST_LANE)
    assert proposal.status == ProposalStatus.IN_REVIEW
    client.force_login(officer)
    response = client.get(_url(proposal))
    actions = {a.action: a for a in response.context["dossier"].actions}
    assert set(actions) == {"award", "waitlist", "reject"}
    decision_url = reverse("reviews:decision_proposal", args=[proposal.pk])
    assert all(a.url == decision_url for a in actions.values())
    assert decision_url in response.content.decode()


def test_eligibility_actions_link_to_the_eligibility_page(client, officer):
    proposal = advance(SubmittableProposalFactory(), to=ProposalStatus.SUBMITTED)
    client.force_login(officer)
    response = client.get(_url(proposal))
    page = response.content.decode()
    eligibility = reverse("reviews:eligibility_proposal", args=[proposal.pk])
    actions = response.context["dossier"].actions
    assert {a.action for a in actions} == {"declare_eligible", "declare_ineligible"}
    assert {a.url for a in actions} == {eligibility}
    assert "Not checked yet." in page
    # And the eligibility page links back here.
    assert _url(proposal) in client.get(eligibility).content.decode()


def test_nobody_but_an_officer_learns_anything(
    client, django_capture_on_commit_callbacks, django_user_model
):
    proposal = assessed_proposal(django_capture_on_commit_callbacks)
    assessor = TechnicalAssessment.objects.filter(proposal=proposal).first().submitted_by
    superuser = UserFactory(is_superuser=True, is_staff=True)
    for user in (
        proposal.created_by,  # the applicant
        assessor,
        CentreMembershipFactory(administrator=True).user,
        ReviewerFactory(),
        UserFactory(),
        superuser,
    ):
        client.force_login(user)
        for url in (_url(proposal), reverse("reviews:officer_proposal", args=[10**9])):
            response = client.get(url)
            assert response.status_code == 404, (user, url)
            assert PANEL_COMMENT not in response.content.decode()
        step = reverse("reviews:officer_proposal_step", args=[proposal.pk])
        assert client.post(step, {"action": "start_review"}).status_code == 404
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ELIGIBLE
    client.logout()
    assert client.get(_url(proposal)).status_code == 302  # to the login page


def test_a_draft_is_not_the_officers_to_read(client, officer):
    draft = ProposalFactory(complete=True)
    client.force_login(officer)
    assert client.get(_url(draft)).status_code == 404


def test_the_page_costs_the_same_queries_for_1_and_10_of_everything(
    client, officer, django_capture_on_commit_callbacks
):
    def count(proposal) -> int:
        client.get(_url(proposal))  # warm the session and the per-request caches alike
        with CaptureQueriesContext(connection) as queries:
            assert client.get(_url(proposal)).status_code == 200
        return len(queries)

    client.force_login(officer)
    small = assessed_proposal(django_capture_on_commit_callbacks, requests=1, attachments=1)
    big = assessed_proposal(django_capture_on_commit_callbacks, requests=10, attachments=10)
    # More audit entries on the big one: downloads by the officer.
    for attachment in big.attachments.all():
        response = client.get(
            reverse("applications:attachment_download", args=[big.pk, attachment.pk])
        )
        b"".join(response.streaming_content)
    assert Activity.objects.filter(object_id=str(big.pk)).count() >= 20
    assert count(big) == count(small) <= 20


def test_a_step_a_guard_refuses_is_said_clearly_and_changes_nothing(
    client, officer, django_capture_on_commit_callbacks
):
    from applications.hooks import transition_guard_register, transition_guard_unregister

    proposal = assessed_proposal(django_capture_on_commit_callbacks)

    def not_today(**kwargs):
        return "The programme office is closed today."

    transition_guard_register(not_today, actions=["start_review"])
    try:
        client.force_login(officer)
        response = client.post(
            reverse("reviews:officer_proposal_step", args=[proposal.pk]),
            {"action": "start_review"},
            follow=True,
        )
    finally:
        transition_guard_unregister(not_today)
    assert response.status_code == 200
    assert "The programme office is closed today." in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ELIGIBLE


def test_the_applicants_page_points_an_officer_to_their_view(
    client, officer, django_capture_on_commit_callbacks
):
    proposal = assessed_proposal(django_capture_on_commit_callbacks)
    client.force_login(officer)
    assert _url(proposal) in client.get(proposal.get_absolute_url()).content.decode()
    client.force_login(proposal.created_by)
    assert _url(proposal) not in client.get(proposal.get_absolute_url()).content.decode()


def test_a_peer_reviewed_proposal_in_panel_offers_no_decision_page_yet(client, officer):
    # Large Scale proposals are decided from the panel's ranking (part 2): the steps are shown,
    # said to be unavailable, and link nowhere.
    proposal = advance(
        SubmittableProposalFactory(
            cutoff__call__mode=AccessMode.LARGE_SCALE, request__hours=LARGE_SCALE_HOURS
        ),
        to=ProposalStatus.IN_PANEL,
    )
    client.force_login(officer)
    response = client.get(_url(proposal))
    actions = {a.action: a for a in response.context["dossier"].actions}
    assert {"award", "waitlist", "reject"} <= set(actions)
    assert all(actions[a].unavailable and not actions[a].url for a in ("award", "reject"))
    assert "decided from the panel’s ranking" in response.content.decode()
