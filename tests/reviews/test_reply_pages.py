"""The right of reply's pages: the applicant reads the anonymised reviews and replies (save,
autosave with versions, submit, refused after the deadline keeping the text); the officer opens
the reply and sends to the panel per cut-off, and reads the reply on the proposal (page and API)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from applications.models import ProposalReply, ProposalStatus
from applications.services.replies import reply_open, reply_submit
from portal.models import Membership
from reviews.models import TechnicalAssessment
from tests.factories import (
    MembershipFactory,
    ProgrammeOfficerFactory,
    UserFactory,
    pool_reviewer_for,
    proposal_in_reply,
    proposal_in_review,
    review_submitted,
)
from tests.factories.reply import review_assigned

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer():
    return ProgrammeOfficerFactory()


def _url(proposal):
    return reverse("reviews:proposal_reply", args=[proposal.pk])


def _autosave(client, proposal, text, version):
    return client.post(
        reverse("reviews:proposal_reply_autosave", args=[proposal.pk]),
        {"text": text, "version": version},
        headers={"HX-Request": "true"},
    )


def test_the_applicant_reads_numbered_reviews_and_the_centres_comment_to_them(client):
    proposal = proposal_in_review(reviews=0)
    for n, comment in enumerate(["Strong data plan.", "Unclear scaling.", "Good team."], start=1):
        review_submitted(proposal=proposal, scores=[n, 2, 3], comments=[comment, "—", "—"])
    request = proposal.requests.select_related("offered_partition__partition").get()
    TechnicalAssessment.objects.create(
        request=request,
        proposal=proposal,
        centre_id=request.offered_partition.partition.centre_id,
        deadline=timezone.now(),
        status=TechnicalAssessment.Status.SUBMITTED,
        comment_to_applicant="Use the booster partition.",
        comment_to_panel="Staff-only remark.",
    )
    reply_open(proposal=proposal, by=ProgrammeOfficerFactory())
    client.force_login(proposal.created_by)
    html = client.get(_url(proposal)).content.decode()
    for label, comment in (
        ("Reviewer 1", "Strong data plan."),
        ("Reviewer 2", "Unclear scaling."),
        ("Reviewer 3", "Good team."),
    ):
        assert label in html and comment in html
    assert "Use the booster partition." in html and "Staff-only remark." not in html
    assert "Solid team; the budget is tight." not in html  # the comment to the panel
    assert "data-score" not in html  # the call does not show scores
    proposal.call.reply_shows_scores = True
    proposal.call.save()
    html = client.get(_url(proposal)).content.decode()
    assert "1 of 5" in html and "3 of 5" in html


def test_only_the_organisation_reaches_it_and_only_once_opened(client, officer):
    proposal = proposal_in_reply()
    for outsider in (UserFactory(), officer):
        client.force_login(outsider)
        assert client.get(_url(proposal)).status_code == 404
    colleague = MembershipFactory(organisation=proposal.organisation).user
    client.force_login(colleague)
    assert client.get(_url(proposal)).status_code == 200
    in_review = proposal_in_review(organisation=proposal.organisation)
    assert client.get(_url(in_review)).status_code == 404
    # Who leaves the organisation loses it at once.
    Membership.objects.filter(user=colleague).delete()
    assert client.get(_url(proposal)).status_code == 404


def test_links_from_the_proposal_page_and_the_dashboard(client):
    proposal = proposal_in_reply()
    client.force_login(proposal.created_by)
    assert _url(proposal) in client.get(proposal.get_absolute_url()).content.decode()
    assert _url(proposal) in client.get(reverse("applications:dashboard")).content.decode()


def test_autosave_saves_and_a_stale_version_names_who_saved(client):
    proposal = proposal_in_reply()
    colleague = MembershipFactory(organisation=proposal.organisation).user
    client.force_login(proposal.created_by)
    response = _autosave(client, proposal, "We thank the reviewers.", 1)
    assert response.status_code == 200
    assert 'data-save-state="saved"' in response.content.decode()
    assert 'id="proposal-version" value="2"' in response.content.decode()
    client.force_login(colleague)
    response = _autosave(client, proposal, "Another answer.", 1)
    assert response.status_code == 409
    body = response.content.decode()
    assert proposal.created_by.display_name in body and "data-conflict-keep" in body
    assert ProposalReply.objects.get(proposal=proposal).text == "We thank the reviewers."


def test_submit_on_the_page_and_after_the_deadline_the_text_stays(client):
    proposal = proposal_in_reply(cutoff__call__reply_word_limit=50)
    client.force_login(proposal.created_by)
    response = client.post(_url(proposal), {"text": "word " * 60, "version": 1, "action": "submit"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Keep the reply to 50 words (it has 60)" in body and "word word" in body
    ProposalReply.objects.filter(proposal=proposal).update(
        deadline=timezone.now() - timedelta(minutes=1)
    )
    version = ProposalReply.objects.get(proposal=proposal).version
    response = client.post(
        _url(proposal), {"text": "Late answer.", "version": version, "action": "submit"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "The deadline to reply passed" in body
    ProposalReply.objects.filter(proposal=proposal).update(
        deadline=timezone.now() + timedelta(days=1)
    )
    response = client.post(
        _url(proposal), {"text": "Our answer.", "version": version, "action": "submit"}, follow=True
    )
    assert "Your reply is submitted" in response.content.decode()
    reply = ProposalReply.objects.get(proposal=proposal)
    assert reply.is_submitted and reply.text == "Our answer."


def test_a_bad_version_is_a_clear_error_not_a_crash(client):
    proposal = proposal_in_reply()
    client.force_login(proposal.created_by)
    response = _autosave(client, proposal, "Text.", "x")
    assert response.status_code == 400 and "Not saved" in response.content.decode()
    response = client.post(_url(proposal), {"text": "x" * 30_000, "version": 1})
    assert response.status_code == 400
    assert "at most 20000 characters" in response.content.decode().replace(",", "")


def test_the_officer_opens_the_reply_for_the_cutoff(
    client, officer, django_capture_on_commit_callbacks
):
    ready = proposal_in_review()
    waiting = proposal_in_review(reviews=1, cutoff=ready.cutoff)
    review_assigned(proposal=waiting)
    url = reverse("reviews:cutoff_reply", args=[ready.cutoff_id])
    client.force_login(ready.created_by)
    assert client.get(url).status_code == 404
    client.force_login(officer)
    html = client.get(url).content.decode()
    assert "All reviews in: 1 proposal" in html and "1 of 2 reviews in" in html
    assert (
        url
        in client.get(
            reverse("applications:officer_cutoff", args=[ready.cutoff_id])
        ).content.decode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "open"}, follow=True)
    assert "The right of reply opened for 1 proposal." in response.content.decode()
    ready.refresh_from_db()
    waiting.refresh_from_db()
    assert (ready.status, waiting.status) == (ProposalStatus.IN_REPLY, ProposalStatus.IN_REVIEW)


def test_the_cutoff_page_costs_the_same_for_1_and_many(client, officer, assert_queries_constant):
    first = proposal_in_reply()
    proposal_in_review(cutoff=first.cutoff)
    client.force_login(officer)
    url = reverse("reviews:cutoff_reply", args=[first.cutoff_id])

    def grow():
        for _ in range(3):
            proposal_in_reply(cutoff=first.cutoff)
            proposal_in_review(cutoff=first.cutoff, reviews=1)

    assert_queries_constant(lambda: client.get(url), grow=grow, at_most=20)


def test_the_officer_reads_the_submitted_reply_on_the_proposal_and_in_the_api(client, officer):
    proposal = proposal_in_reply()
    client.force_login(officer)
    page = reverse("reviews:officer_proposal", args=[proposal.pk])
    api = reverse("reviews_api:proposal_dossier", args=[proposal.pk])
    assert "nothing submitted yet" in client.get(page).content.decode()
    assert client.get(api).json()["reply"]["text"] is None  # a draft stays the team's
    reply_submit(
        reply=proposal.reply,
        by=proposal.created_by,
        text="We answer point by point.",
        expected_version=1,
    )
    assert "We answer point by point." in client.get(page).content.decode()
    data = client.get(api).json()["reply"]
    assert data["text"] == "We answer point by point." and data["status"] == "submitted"


def test_the_reviewers_identity_never_reaches_the_reply_page(client):
    proposal = proposal_in_review(reviews=0)
    reviewer = pool_reviewer_for(
        proposal.call, first_name="Xenophon", last_name="Quillfeather", affiliation="Zyxwv Lab"
    )
    review_submitted(proposal=proposal, reviewer=reviewer)
    reply_open(proposal=proposal, by=ProgrammeOfficerFactory())
    client.force_login(proposal.created_by)
    html = client.get(_url(proposal)).content.decode()
    assert "Reviewer 1" in html
    for secret in ("Xenophon", "Quillfeather", "Zyxwv", reviewer.email):
        assert secret not in html
