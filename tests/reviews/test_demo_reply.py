"""The demo's right of reply, on the Large Scale cut-off of the peer review: the first batch's
deadline has passed (most teams answered and the officer sent them to the panel; one left a
draft and the portal sent it on), the proposal reviewed last has its reply open with a draft;
the team reads "Reviewer 1, 2, 3" and never a reviewer's name; a rerun changes nothing."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from applications.models import ProposalReply, ProposalStatus
from portal.models import Activity, User
from reviews.demo_assessments import DEMO_OFFICER_EMAIL
from reviews.demo_reply import LAPSED_DRAFT, OPEN_DRAFT, REPLIES, reply_demo_seed
from reviews.demo_reviews import review_cutoff
from reviews.models import Review
from tests.factories.portal import give_totp

pytestmark = pytest.mark.django_db


def _snapshot(cutoff):
    return list(
        ProposalReply.objects.filter(proposal__cutoff=cutoff)
        .order_by("pk")
        .values_list("proposal__status", "status", "version", "deadline")
    )


def test_the_demo_teams_answer_the_reviews_and_go_to_the_panel(client):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    now = timezone.now()
    cutoff = review_cutoff()
    replies = list(ProposalReply.objects.filter(proposal__cutoff=cutoff).select_related("proposal"))
    assert len(replies) >= 5 and cutoff.call.right_of_reply
    passed = [r for r in replies if r.deadline < now]
    assert len(passed) >= len(replies) - 1
    submitted = [r for r in passed if r.is_submitted]
    assert len(submitted) >= 3
    assert all(r.text in REPLIES and "Reviewer 1" in r.text for r in submitted)
    assert all(r.submitted_at < r.deadline for r in submitted)
    assert {r.proposal.status for r in passed} == {ProposalStatus.IN_PANEL}
    lapsed = [r for r in passed if not r.is_submitted]
    assert len(lapsed) == 1 and lapsed[0].text == LAPSED_DRAFT
    # The officer sent the answered proposals to the panel; the portal (no actor) the lapsed one.
    to_panel = Activity.objects.filter(verb__contains="send_to_panel")
    assert to_panel.filter(actor__email=DEMO_OFFICER_EMAIL).count() == len(submitted)
    assert to_panel.filter(actor__isnull=True).count() == 1

    # The proposal reviewed last: its reply open now, a draft saved.
    (open_reply,) = [r for r in replies if r.deadline > now]
    assert open_reply.proposal.status == ProposalStatus.IN_REPLY
    assert not open_reply.is_submitted and open_reply.text == OPEN_DRAFT
    # The login lines name that team as the applicant login to try the reply with.
    assert "applicant (Large Scale)" in out.getvalue()
    assert open_reply.proposal.created_by.email in out.getvalue()
    client.force_login(open_reply.proposal.created_by)
    page = client.get(reverse("reviews:proposal_reply", args=[open_reply.proposal_id]))
    text = page.content.decode()
    assert page.status_code == 200 and "Reviewer 1" in text and "Reviewer 3" in text
    assert OPEN_DRAFT in text
    for review in Review.objects.filter(proposal=open_reply.proposal).select_related("reviewer"):
        assert review.reviewer.display_name not in text and review.reviewer.email not in text

    # The officer reads a submitted reply in the proposal's full view.
    officer = User.objects.get(email=DEMO_OFFICER_EMAIL)
    give_totp(officer)
    client.force_login(officer)
    dossier = client.get(reverse("reviews:officer_proposal", args=[submitted[0].proposal_id]))
    assert submitted[0].text[:60] in dossier.content.decode()

    before = _snapshot(cutoff)
    assert reply_demo_seed(officer=officer) is False
    call_command("seed_demo", stdout=StringIO())
    assert _snapshot(cutoff) == before
