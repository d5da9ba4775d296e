"""A second submit of the same proposal (a double click, two teammates at once) is told, in one
sentence, that the proposal is submitted, and is shown the submitted proposal."""

import threading
import time

import pytest
from django.contrib.messages import get_messages
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from applications.models import Proposal, ProposalStatus
from tests.factories import MembershipFactory, SubmittableProposalFactory


def _submit_url(proposal):
    return reverse("applications:proposal_submit", kwargs={"pk": proposal.pk})


@pytest.mark.django_db
def test_submitting_a_submitted_proposal_again_shows_it_as_submitted(client):
    proposal = SubmittableProposalFactory()
    client.force_login(proposal.created_by)
    client.post(_submit_url(proposal), follow=True)  # reads the "Submitted" message
    proposal.refresh_from_db()

    response = client.post(_submit_url(proposal), follow=True)

    assert response.redirect_chain[-1][0] == proposal.get_absolute_url()
    [message] = [str(m) for m in response.context["messages"]]
    assert message.startswith("This proposal was already submitted on ")
    assert message.endswith(f"; its reference number is {proposal.reference}.")
    assert message.count(". ") == 0  # one sentence
    Proposal.objects.filter(pk=proposal.pk, status=ProposalStatus.SUBMITTED).get()


def _waiting_for_a_row_lock(count: int) -> bool:
    with connection.cursor() as cursor:
        # Sessions waiting behind this one, directly or behind another waiter (pg_stat_activity
        # would be a snapshot taken once inside this transaction).
        cursor.execute(
            "WITH RECURSIVE waiting(pid) AS ("
            " SELECT pid FROM pg_locks WHERE NOT granted"
            " AND pg_backend_pid() = ANY(pg_blocking_pids(pid))"
            " UNION SELECT l.pid FROM pg_locks l JOIN waiting w"
            " ON w.pid = ANY(pg_blocking_pids(l.pid)) WHERE NOT l.granted"
            ") SELECT count(*) FROM waiting"
        )
        return cursor.fetchone()[0] >= count


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_submits_at_once_both_end_on_the_submitted_proposal(require_postgresql):
    """Both requests find a draft; the row lock lets one submit; the other, once it gets the row,
    finds it submitted and says so instead of listing 'problems'."""
    proposal = SubmittableProposalFactory()
    teammate = MembershipFactory(organisation=proposal.organisation).user
    responses = {}

    def post(user):
        client = Client()
        client.force_login(user)
        try:
            response = client.post(_submit_url(proposal))
            response.messages = [str(m) for m in get_messages(response.wsgi_request)]
            responses[user.pk] = response
        finally:
            connection.close()

    with transaction.atomic():
        # Hold the proposal's row so that both requests get past their first look at it.
        Proposal.objects.select_for_update().get(pk=proposal.pk)
        people = (proposal.created_by, teammate)
        threads = [threading.Thread(target=post, args=(person,)) for person in people]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 20
        while not _waiting_for_a_row_lock(2) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _waiting_for_a_row_lock(2), "both submits should wait for the row"
    for thread in threads:
        thread.join(30)

    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.SUBMITTED
    assert sorted(r.status_code for r in responses.values()) == [302, 302]
    assert {r["Location"] for r in responses.values()} == {proposal.get_absolute_url()}
    texts = sorted(m for r in responses.values() for m in r.messages)
    assert texts[0].startswith("Submitted. Your reference number is")
    assert texts[1].startswith("This proposal was already submitted on ")
    assert texts[1].endswith(f"; its reference number is {proposal.reference}.")
    assert not any("only drafts" in m or "Before you can submit" in m for m in texts)
