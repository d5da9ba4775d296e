"""The right of reply's demo chapter, on a Large Scale cut-off with proposals in review and their
reviews in (what the scoring chapter leaves): the reply opens for them, one team has submitted,
one has a draft; the applicant reads the reviews, the officer the reply; a rerun changes nothing.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from applications.models import ProposalReply, ProposalStatus
from reviews.demo_reply import DRAFT_REPLY, SUBMITTED_REPLY, reply_demo_chapter
from tests.factories import ProgrammeOfficerFactory, proposal_in_review

pytestmark = pytest.mark.django_db


def test_the_chapter_opens_the_reply_with_one_answer_submitted_and_one_drafted(client):
    first = proposal_in_review(right_of_reply=False)
    others = [proposal_in_review(cutoff=first.cutoff) for _ in range(2)]
    officer = ProgrammeOfficerFactory()
    reply_demo_chapter(officer=officer)
    replies = list(ProposalReply.objects.order_by("proposal__submitted_at", "proposal__pk"))
    assert [r.proposal_id for r in replies] == [first.pk, *(p.pk for p in others)]
    assert replies[0].is_submitted and replies[0].text == SUBMITTED_REPLY
    assert not replies[1].is_submitted and replies[1].text == DRAFT_REPLY
    assert replies[2].text == "" and replies[2].version == 1
    first.refresh_from_db()
    assert first.status == ProposalStatus.IN_REPLY and first.call.right_of_reply

    client.force_login(first.created_by)
    page = client.get(reverse("reviews:proposal_reply", args=[first.pk])).content.decode()
    assert "Reviewer 3" in page and "On scaling (Reviewer 2)" in page
    client.force_login(officer)
    dossier = reverse("reviews:officer_proposal", args=[first.pk])
    assert "On scaling (Reviewer 2)" in client.get(dossier).content.decode()

    reply_demo_chapter(officer=officer)  # idempotent
    assert ProposalReply.objects.count() == 3
    assert ProposalReply.objects.get(pk=replies[1].pk).version == replies[1].version
