"""Applicants never learn who reviewed them.

A Large Scale proposal goes the whole way the way people take it: submitted, eligible, assessed,
reviewed by three reviewers with distinctive names, emails, affiliations and user ids, the right
of reply opened, answered and submitted, sent to the panel, awarded, its decision mail released.
Then everything each member of the applying organisation can reach is read as them: every page
the URL resolver knows (with the proposal's ids, so its own pages answer in full), every API
answer, the proposal's PDF, every mail to them (queued and delivered). None may contain a
reviewer's name, email, mail domain, affiliation or user id, nor a field about a reviewer."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest
from django.core import mail as sent
from django.urls import NoReverseMatch, reverse
from pypdf import PdfReader

from applications.forms.proposals import SECTIONS
from applications.models import ProposalStatus
from applications.services.decision_mails import cutoff_mail_batch
from applications.services.proposals import proposal_submit
from applications.services.replies import reply_save, reply_submit
from portal.models import Membership, Notification
from portal.services.notifications import notifications_release
from reviews.models import Review, TechnicalAssessment
from reviews.services.assessments import assessment_submit
from reviews.services.decisions import proposal_award
from reviews.services.replies import cutoff_reply_open, cutoff_send_to_panel
from tests.applications.test_audience_and_superuser import _api, _body
from tests.factories import (
    CentreMembershipFactory,
    CutOffPoolFactory,
    MembershipFactory,
    ProgrammeOfficerFactory,
    SubmittableProposalFactory,
    TeamMemberFactory,
    advance,
    pool_reviewer_for,
    review_submitted,
)
from tests.portal.test_shell_pages import _named_routes

pytestmark = pytest.mark.django_db

REVIEWERS = (
    {
        "id": 987_654_301,
        "first_name": "Thaddeus",
        "last_name": "Wolkenstein",
        "email": "t.wolkenstein@sibyl-quantum.example",
        "affiliation": "Sibylline Quantum Academy",
    },
    {
        "id": 987_654_302,
        "first_name": "Ottoline",
        "last_name": "Brackenbury",
        "email": "obrackenbury@marrowfield-lab.example",
        "affiliation": "Marrowfield Institute of Perception",
    },
    {
        "id": 987_654_303,
        "first_name": "Casimir",
        "last_name": "Vantongerloo",
        "email": "casimir.v@zephyrine-ai.example",
        "affiliation": "Zephyrine AI Consortium",
    },
)
COMMENTS = (
    "The data curation plan is convincing.",
    "Scaling beyond 512 GPUs is not justified.",
    "The team has shipped comparable models before.",
)
PANEL_COMMENT = "Panel only: I know this founder's previous company."
REPLY = "We thank the reviewers and answer each point: the scaling study is in annex B."


@pytest.fixture(autouse=True)
def _staff_without_totp(settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False


def _world(capture):
    """The proposal taken through the whole Large Scale path, and the people on each side."""
    link = CutOffPoolFactory(
        cutoff__call__mode="large_scale",
        cutoff__call__right_of_reply=True,
        cutoff__call__reply_shows_scores=True,
        pool__hours=Decimal(1_000_000),
    )
    proposal = SubmittableProposalFactory(
        cutoff=link.cutoff,
        request__offered_partition=link.offered_partition,
        request__hours=Decimal(60_000),
    )
    teammate = TeamMemberFactory(proposal=proposal).user
    Membership.objects.create(organisation=proposal.organisation, user=teammate)
    # A member of the organisation who is not on the proposal's team reaches it too.
    colleague = MembershipFactory(organisation=proposal.organisation).user
    officer = ProgrammeOfficerFactory()
    with capture(execute=True):  # mails delivered, the PDF rendered, assessments opened
        proposal_submit(proposal=proposal, by=proposal.created_by)
        advance(proposal, to=ProposalStatus.IN_REVIEW, officer=officer)
    proposal.refresh_from_db()
    for assessment in TechnicalAssessment.objects.filter(proposal=proposal):
        assessment_submit(
            assessment=assessment,
            by=CentreMembershipFactory(centre=assessment.centre).user,
            outcome=TechnicalAssessment.Outcome.FEASIBLE,
            recommended_hours=assessment.request.hours,
            comment_to_applicant="Checkpoint every four hours.",
            comment_to_panel="Centre only: queue is long.",
        )
    reviewers = []
    for person, comment in zip(REVIEWERS, COMMENTS, strict=True):
        reviewer = pool_reviewer_for(proposal.call, **person)
        review_submitted(
            proposal=proposal,
            reviewer=reviewer,
            scores=[4, 3, 5],
            comments=[comment, comment, comment],
            panel_comment=PANEL_COMMENT,
            officer=officer,
        )
        reviewers.append(reviewer)
    with capture(execute=True):
        assert cutoff_reply_open(cutoff=proposal.cutoff, by=officer).done == [proposal]
    proposal.refresh_from_db()
    reply_save(reply=proposal.reply, by=teammate, text="Draft.", expected_version=1)
    with capture(execute=True):
        reply_submit(reply=proposal.reply, by=proposal.created_by, text=REPLY, expected_version=2)
        assert cutoff_send_to_panel(cutoff=proposal.cutoff, by=officer).done == [proposal]
        request = proposal.requests.get()
        proposal_award(proposal=proposal, by=officer, hours={request.pk: request.hours})
    with capture(execute=True):
        notifications_release(by=officer, batch=cutoff_mail_batch(proposal.cutoff))
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.AWARDED
    assert Review.objects.filter(proposal=proposal, status="submitted").count() == 3
    return proposal, [proposal.created_by, teammate, colleague], reviewers


def _arguments(proposal) -> dict[str, object]:
    """Values for each path parameter, so the routes point at this proposal and its things."""
    return {
        "pk": proposal.pk,
        "id": proposal.pk,
        "proposal_pk": proposal.pk,
        "slug": proposal.call.slug,
        "member_pk": proposal.team.first().pk,
        "request_pk": proposal.requests.first().pk,
        "attachment_pk": proposal.attachments.first().pk if proposal.attachments.exists() else 1,
    }


def _routes(proposal):
    """Every named route with the proposal's ids, the proposal form's sections one by one, and
    the organisation's pages under the organisation's id."""
    values = _arguments(proposal)
    urls = []
    for name, pattern in _named_routes():
        wanted = set(pattern.pattern.regex.groupindex)
        if name == "applications:proposal_section" or not wanted <= set(values):
            continue
        kwargs = {k: values[k] for k in wanted}
        if name.startswith("portal:organisation") and "pk" in wanted:
            kwargs["pk"] = proposal.organisation_id
        try:
            urls.append((name, reverse(name, kwargs=kwargs)))
        except NoReverseMatch:
            continue
    urls += [
        (f"section {s.key}", reverse("applications:proposal_section", args=[proposal.pk, s.key]))
        for s in SECTIONS
    ]
    return urls


def _pdf_text(response) -> str:
    content = b"".join(response.streaming_content)
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def _json_keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _json_keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _json_keys(v)}
    return set()


def everything_reached(client, proposal, user) -> list[tuple[str, str]]:
    seen = []
    client.force_login(user)
    for name, url in _routes(proposal):
        response = client.get(url, follow=True)
        if name == "applications:proposal_pdf":
            assert response.status_code == 200
            seen.append(("the proposal's PDF", _pdf_text(response)))
        else:
            seen.append((url, _body(response)))
    api = _api(user)
    for _name, url in _routes(proposal):
        if url.startswith("/api/"):
            response = api.get(url)
            seen.append((f"API {url}", _body(response)))
            if response.get("Content-Type", "").startswith("application/json"):
                keys = _json_keys(json.loads(response.content or b"null"))
                seen.append((f"API {url} field names", " ".join(sorted(keys))))
    for mail in Notification.objects.filter(to_email=user.email):
        seen.append(
            (f"mail {mail.template}", f"{mail.subject}\n{mail.body_text}\n{mail.body_html}")
        )
    for message in sent.outbox:
        if user.email in message.to:
            parts = [message.subject, message.body]
            parts += [str(content) for content, _ in getattr(message, "alternatives", [])]
            seen.append((f"sent mail {message.subject}", "\n".join(parts)))
    return seen


def _secrets(reviewers) -> list[str]:
    found = []
    for person, reviewer in zip(REVIEWERS, reviewers, strict=True):
        found += [
            person["first_name"],
            person["last_name"],
            reviewer.display_name,
            person["email"],
            person["email"].split("@")[1],
            person["affiliation"],
            str(person["id"]),
        ]
    return found + [PANEL_COMMENT]


def test_nothing_an_applicant_reaches_names_a_reviewer(client, django_capture_on_commit_callbacks):
    proposal, team, reviewers = _world(django_capture_on_commit_callbacks)
    assert [r.pk for r in reviewers] == [p["id"] for p in REVIEWERS]
    secrets = _secrets(reviewers)
    for user in team:
        seen = everything_reached(client, proposal, user)
        texts = dict(seen)
        # The walk really read what matters: the reviews, the reply, the PDF, the mails.
        reply_page = texts[reverse("reviews:proposal_reply", args=[proposal.pk])]
        assert all(label in reply_page for label in ("Reviewer 1", "Reviewer 2", "Reviewer 3"))
        assert all(comment in reply_page for comment in COMMENTS) and REPLY[:40] in reply_page
        reviews_api = texts[f"API /api/v1/proposals/{proposal.pk}/reviews/"]
        assert COMMENTS[1] in reviews_api and '"score":3' in reviews_api.replace(" ", "")
        assert proposal.reference in texts["the proposal's PDF"]
        if user != team[-1]:  # the team is mailed; a colleague off the team is not
            mails = " ".join(where for where, _ in seen if "mail" in where)
            assert "mail reply_opened" in mails and "mail panel_decision" in mails
        for where, text in seen:
            for secret in secrets:
                assert secret not in text, f"{secret!r} reached {user.email} on {where}"
            if where.endswith("field names"):
                assert not [k for k in text.split() if k.startswith("reviewer")], where
