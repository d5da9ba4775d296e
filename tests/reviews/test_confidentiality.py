"""Confidentiality seen from the outside: after real staff work on a proposal (an officer's
download, the eligibility outcome, an assessment with a comment to the panel), nothing of that
work that is meant for staff reaches the applicant, and nothing of one centre's comment to the
panel reaches another centre's assessor, on any page, API answer, PDF or mail they can reach.

The applicant's reach is the one test_audience_and_superuser walks, extended with the evaluation's
pages and API."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from applications.models import ProposalStatus
from portal.activity_actions import Audience, staff_wording
from portal.models import Activity, Notification
from reviews.models import TechnicalAssessment
from reviews.services.assessments import assessment_submit
from reviews.services.eligibility import eligibility_checklist_ensure, eligibility_decide
from tests.applications.test_audience_and_superuser import (
    _api,
    _body,
    everything_the_applicant_reaches,
)
from tests.applications.test_security_audit import submitted_proposal
from tests.factories import (
    CallPartitionFactory,
    CentreMembershipFactory,
    PartitionFactory,
    ProgrammeOfficerFactory,
    ResourceRequestFactory,
)

pytestmark = pytest.mark.django_db
PANEL_COMMENT = "Zebra-7 note for the panel: the team overstates its GPU experience"
APPLICANT_COMMENT = "Please split the training into 12-hour jobs."


@pytest.fixture(autouse=True)
def _staff_without_totp(settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False


def _eligible(proposal, officer, capture):
    criteria = eligibility_checklist_ensure(call=proposal.call)
    with capture(execute=True):
        eligibility_decide(
            proposal=proposal,
            outcome="eligible",
            reason="",
            ticked=[c.pk for c in criteria if c.kind == "manual"],
            by=officer,
        )
    proposal.refresh_from_db()
    # A first-come-first-served proposal enters its technical assessment on its own.
    assert proposal.status == ProposalStatus.IN_REVIEW


def _pdf_text(response) -> str:
    content = b"".join(response.streaming_content)
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_no_staff_work_reaches_the_applicant_anywhere(client, django_capture_on_commit_callbacks):
    proposal = submitted_proposal(django_capture_on_commit_callbacks)
    officer = ProgrammeOfficerFactory(first_name="Olga", last_name="Offizierin")
    client.force_login(officer)
    attachment = proposal.attachments.first()
    download = client.get(
        reverse("applications:attachment_download", args=[proposal.pk, attachment.pk])
    )
    assert download.status_code == 200
    b"".join(download.streaming_content)
    _eligible(proposal, officer, django_capture_on_commit_callbacks)
    assessment = TechnicalAssessment.objects.get(proposal=proposal)
    assessor = CentreMembershipFactory(
        centre=assessment.centre, user__first_name="Aksel", user__last_name="Assessorsen"
    ).user
    with django_capture_on_commit_callbacks(execute=True):
        assessment_submit(
            assessment=assessment,
            by=assessor,
            outcome=TechnicalAssessment.Outcome.FEASIBLE_WITH_CHANGES,
            recommended_hours=assessment.request.hours,
            comment_to_applicant=APPLICANT_COMMENT,
            comment_to_panel=PANEL_COMMENT,
        )
    # The officer's view shows all of it: the staff entries are there to be hidden.
    dossier = reverse("reviews:officer_proposal", args=[proposal.pk])
    officer_page = _body(client.get(dossier))
    staff_entries = Activity.objects.filter(audience=Audience.STAFF, object_id=str(proposal.pk))
    assert {"proposal.download", "assessment.open", "assessment.submit"} <= set(
        staff_entries.values_list("verb", flat=True)
    )
    staff_texts = {
        staff_wording(e.verb, actor_name=e.actor.display_name if e.actor else "", data=e.data)
        for e in staff_entries.select_related("actor")
    }
    for text in (*staff_texts, PANEL_COMMENT):
        assert text in officer_page, text

    seen = everything_the_applicant_reaches(
        client,
        proposal,
        extra_pages=[
            dossier,
            reverse("reviews:eligibility_proposal", args=[proposal.pk]),
            reverse("reviews:assessment_list"),
            reverse("reviews:assessment_detail", args=[assessment.pk]),
            reverse("reviews:reviewer_home"),
        ],
        extra_api=[
            f"/api/v1/proposals/{proposal.pk}/dossier/",
            f"/api/v1/assessments/{assessment.pk}/",
        ],
    )
    pdf = client.get(reverse("applications:proposal_pdf", args=[proposal.pk]))
    assert pdf.status_code == 200
    seen.append(("the proposal's PDF", _pdf_text(pdf)))
    assert proposal.reference in seen[-1][1]  # the text was really read
    assessments = _api(proposal.created_by).get("/api/v1/assessments/").json()
    seen.append(("/api/v1/assessments/", str(assessments)))

    forbidden = [
        *staff_texts,
        PANEL_COMMENT,
        "Zebra-7",
        "Offizierin",
        "Assessorsen",
        "downloaded",
        "comment to the panel",
    ]
    for where, text in seen:
        for words in forbidden:
            assert words not in text, f"{words!r} reached the applicant on {where}"
    timeline = dict(seen)[f"/api/v1/proposals/{proposal.pk}/timeline/"]
    assert "The programme office found the proposal eligible" in timeline


def test_one_centres_comment_to_the_panel_never_reaches_another_centres_assessor(
    client, django_capture_on_commit_callbacks
):
    proposal = submitted_proposal(django_capture_on_commit_callbacks)
    at_x = proposal.requests.select_related("offered_partition__partition__centre").get()
    centre_x = at_x.offered_partition.partition.centre
    y = CentreMembershipFactory(centre__short_name="YCEN")
    ResourceRequestFactory(
        proposal=proposal,
        offered_partition=CallPartitionFactory(
            call=proposal.call, partition=PartitionFactory(centre=y.centre)
        ),
    )
    _eligible(proposal, ProgrammeOfficerFactory(), django_capture_on_commit_callbacks)
    x_assessor = CentreMembershipFactory(centre=centre_x).user
    theirs = TechnicalAssessment.objects.get(proposal=proposal, centre=centre_x)
    mine = TechnicalAssessment.objects.get(proposal=proposal, centre=y.centre)
    with django_capture_on_commit_callbacks(execute=True):
        assessment_submit(
            assessment=theirs,
            by=x_assessor,
            outcome=TechnicalAssessment.Outcome.NOT_FEASIBLE,
            recommended_hours=0,
            comment_to_panel=PANEL_COMMENT,
        )
        assessment_submit(
            assessment=mine,
            by=y.user,
            outcome=TechnicalAssessment.Outcome.FEASIBLE,
            recommended_hours=mine.request.hours,
            comment_to_panel="Our own note.",
        )
    client.force_login(y.user)
    seen = []
    for url in (
        reverse("home"),
        reverse("portal:notifications"),
        reverse("reviews:assessment_list"),
        reverse("reviews:assessment_detail", args=[mine.pk]),
        proposal.get_absolute_url(),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        seen.append((url, _body(response)))
    for url in (
        reverse("reviews:assessment_detail", args=[theirs.pk]),
        reverse("reviews:officer_proposal", args=[proposal.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        seen.append((url, _body(response)))
    api = _api(y.user)
    for url, status in (
        ("/api/v1/assessments/", 200),
        (f"/api/v1/assessments/{mine.pk}/", 200),
        (f"/api/v1/assessments/{theirs.pk}/", 404),
        ("/api/v1/proposals/", 200),
        (f"/api/v1/proposals/{proposal.pk}/", 200),
        (f"/api/v1/proposals/{proposal.pk}/timeline/", 200),
        (f"/api/v1/proposals/{proposal.pk}/dossier/", 404),
    ):
        response = api.get(url)
        assert response.status_code == status, url
        seen.append((url, _body(response)))
    for mail in Notification.objects.filter(to_email=y.user.email):
        seen.append(
            (f"mail {mail.template}", f"{mail.subject}\n{mail.body_text}\n{mail.body_html}")
        )
    assert "Our own note." in dict(seen)[f"/api/v1/assessments/{mine.pk}/"]  # theirs they read
    for where, text in seen:
        assert PANEL_COMMENT not in text and "Zebra-7" not in text, where
        # Nor who at the other centre assessed, or what they found (the audit trail).
        assert x_assessor.display_name not in text, where
    page = dict(seen)[proposal.get_absolute_url()]
    assert f"{y.user.display_name} of YCEN assessed a request" in page  # their own entry stays


def test_an_assessor_gets_a_404_for_a_proposal_requesting_nothing_at_their_centre(
    client, django_capture_on_commit_callbacks
):
    proposal = submitted_proposal(django_capture_on_commit_callbacks)
    elsewhere = CentreMembershipFactory().user
    client.force_login(elsewhere)
    for url in (
        proposal.get_absolute_url(),
        reverse("reviews:officer_proposal", args=[proposal.pk]),
        reverse(
            "applications:attachment_download",
            args=[proposal.pk, proposal.attachments.first().pk],
        ),
        reverse("applications:proposal_pdf", args=[proposal.pk]),
    ):
        assert client.get(url).status_code == 404, url
    api = _api(elsewhere)
    for url in (
        f"/api/v1/proposals/{proposal.pk}/",
        f"/api/v1/proposals/{proposal.pk}/timeline/",
        f"/api/v1/proposals/{proposal.pk}/dossier/",
    ):
        assert api.get(url).status_code == 404, url
    assert api.get("/api/v1/proposals/").json()["results"] == []
