"""Applying the funding line: from the frozen ranking only, awards within each pool in rank
order (at most the recommended hours), a waiting list of the size the officer sets, rejections
below the line and below a threshold; the mails held, the rejections and waiting-list mails with
the anonymised reviewers' comments and nothing of who wrote them; once per cut-off, also when
two officers apply it at the same moment (PostgreSQL)."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connections
from django.urls import reverse

from allocations.models import Allocation
from allocations.selectors import pool_figures
from applications.models import Proposal, ProposalStatus
from applications.services.decision_mails import cutoff_mail_batch
from portal.models import Notification
from reviews.models import FundingLineApplication
from reviews.services.funding_line import funding_line_apply, funding_line_preview
from reviews.services.ranking import panel_close, panel_note_add
from tests.factories import ProgrammeOfficerFactory, panel_proposal, ranking_cutoff
from tests.factories.ranking import PANEL_ONLY, TO_APPLICANT_REVIEW


@pytest.fixture(autouse=True)
def _staff_without_totp(settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False


def _world(officer, *, pool_hours=Decimal(50_000)):
    """Five proposals in the panel: three fit the pool only down to the second; the fifth is
    below the threshold of criterion 1."""
    cutoff, link, criteria = ranking_cutoff(pool_hours=pool_hours, criteria=((1, 2), (1, None)))
    made = [
        panel_proposal(cutoff, link, criteria, scores=(s, s), hours=h, officer=officer)
        for s, h in (
            ((5, 5), Decimal(30_000)),
            ((4, 5), Decimal(20_000)),
            ((4, 4), Decimal(10_000)),
            ((3, 4), Decimal(10_000)),
            ((1, 5), Decimal(5_000)),
        )
    ]
    return cutoff, link, made


@pytest.mark.django_db
def test_preview_then_apply_awards_waitlists_and_rejects(client):
    officer = ProgrammeOfficerFactory()
    cutoff, link, (first, second, third, fourth, below) = _world(officer)
    panel_note_add(proposal=third, text="A panel note the applicant must never read", by=officer)
    with pytest.raises(ValidationError, match="Close the panel first"):
        funding_line_preview(cutoff=cutoff, waitlist_size=1, by=officer)
    panel_close(cutoff=cutoff, by=officer)
    preview = funding_line_preview(cutoff=cutoff, waitlist_size=1, by=officer)
    outcomes = {d.proposal_id: d.outcome for d in preview.plan.decisions}
    assert outcomes == {
        first.pk: "award",
        second.pk: "award",
        third.pk: "waitlist",
        fourth.pk: "reject",
        below.pk: "reject",
    }
    (pool,) = preview.plan.pools
    assert pool.awarded == Decimal(50_000) and pool.remaining == 0
    client.force_login(officer)
    url = reverse("reviews:funding_line", kwargs={"pk": cutoff.pk})
    page = client.get(url, {"waitlist_size": "1"}).content.decode()
    assert "2 proposals awarded, 1 on the waiting list, 2 rejected." in page
    assert client.get(url, {"waitlist_size": "abc"}).status_code == 400
    answer = client.post(url, {"waitlist_size": "1", "with_review_comments": "on"})
    assert answer.status_code == 302
    statuses = dict(Proposal.objects.filter(cutoff=cutoff).values_list("pk", "status"))
    assert statuses == {
        first.pk: ProposalStatus.AWARDED,
        second.pk: ProposalStatus.AWARDED,
        third.pk: ProposalStatus.WAITLISTED,
        fourth.pk: ProposalStatus.REJECTED,
        below.pk: ProposalStatus.REJECTED,
    }
    assert sorted(Allocation.objects.values_list("hours", flat=True)) == [20_000, 30_000]
    assert pool_figures([link.pool])[link.pool_id].free == 0
    mails = Notification.objects.filter(batch=cutoff_mail_batch(cutoff))
    assert {m.status for m in mails} == {Notification.Status.HELD}
    reviewers = {
        r.reviewer for p in (third, fourth, below) for r in p.reviews.select_related("reviewer")
    }
    for mail in mails:
        text = mail.subject + mail.body_text + mail.body_html
        assert PANEL_ONLY not in text and "A panel note" not in text
        for reviewer in reviewers:
            assert reviewer.email not in text and reviewer.last_name not in text
    waitlisted = mails.get(recipient=third.created_by)
    assert "Reviewer 1" in waitlisted.body_text and TO_APPLICANT_REVIEW in waitlisted.body_text
    refused = mails.get(recipient=below.created_by)
    assert "below the threshold on: Criterion 1" in refused.body_text
    assert "Reviewer 2" in refused.body_html
    assert "Reviewer 1" not in mails.get(recipient=first.created_by).body_text
    # Once per cut-off.
    with pytest.raises(ValidationError, match="applied once"):
        funding_line_apply(cutoff=cutoff, waitlist_size=0, by=officer)


@pytest.mark.django_db
def test_without_review_comments_and_refused_before_the_panel():
    officer = ProgrammeOfficerFactory()
    cutoff, link, criteria = ranking_cutoff()
    in_panel = panel_proposal(cutoff, link, criteria, scores=((1, 1),), officer=officer)
    still = panel_proposal(
        cutoff, link, criteria, scores=((5, 5),), officer=officer, to=ProposalStatus.IN_REVIEW
    )
    panel_close(cutoff=cutoff, by=officer)
    with pytest.raises(ValidationError, match=f"still under review or reply: {still.reference}"):
        funding_line_apply(cutoff=cutoff, waitlist_size=0, by=officer)
    assert not FundingLineApplication.objects.exists()
    from applications.services.proposals import proposal_transition

    proposal_transition(proposal=still, action="send_to_panel", by=officer)
    with pytest.raises(ValidationError) as exc:
        funding_line_apply(cutoff=cutoff, waitlist_size=101, by=officer)
    assert "waitlist_size" in exc.value.message_dict
    funding_line_apply(cutoff=cutoff, waitlist_size=0, by=officer, with_review_comments=False)
    mail = Notification.objects.get(recipient=in_panel.created_by)
    assert TO_APPLICANT_REVIEW not in mail.body_text and "Reviewer 1" not in mail.body_text


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_officers_applying_at_once_award_each_proposal_once(require_postgresql):
    officer, other = ProgrammeOfficerFactory(), ProgrammeOfficerFactory()
    cutoff, link, made = _world(officer)
    panel_close(cutoff=cutoff, by=officer)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def apply(by) -> None:
        try:
            start.wait(timeout=30)
            funding_line_apply(cutoff=cutoff, waitlist_size=1, by=by)
            outcomes.append("applied")
        except ValidationError as exc:
            outcomes.append(exc.messages[0])
        finally:
            connections["default"].close()

    threads = [threading.Thread(target=apply, args=(by,)) for by in (officer, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    assert len(outcomes) == 2 and outcomes.count("applied") == 1
    assert any("it is applied once" in outcome for outcome in outcomes)
    assert FundingLineApplication.objects.filter(cutoff=cutoff).count() == 1
    assert Allocation.objects.count() == 2
    assert Allocation.objects.values("reference").distinct().count() == 2
    figures = pool_figures([link.pool])[link.pool_id]
    assert figures.reserved == Decimal(50_000) and figures.over_held == 0
    awarded = Proposal.objects.filter(cutoff=cutoff, status=ProposalStatus.AWARDED)
    assert set(awarded.values_list("pk", flat=True)) == {made[0].pk, made[1].pk}
