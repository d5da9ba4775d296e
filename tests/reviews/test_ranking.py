"""The panel ranking: its maths (weighted score, spread, disagreement, thresholds, ties, each
pool's funding line), moves with reasons and versions, re-ordering when reviews arrive, closing
the panel freezes everything, and who may read it (officers; the call's reviewers without the
rows they are conflicted with; never an applicant or an assessor)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from applications.models import Proposal, ProposalStatus
from portal.models import Activity
from reviews.models import DeclaredConflict, RankingVersion, ReviewerProfile
from reviews.selectors.ranking import ranking_table
from reviews.services.ranking import panel_close, panel_note_add, ranking_move
from tests.factories import (
    CentreMembershipFactory,
    CutOffPoolFactory,
    ProgrammeOfficerFactory,
    panel_proposal,
    panel_reviewer,
    ranking_cutoff,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _staff_without_totp(settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False


@pytest.fixture
def officer():
    return ProgrammeOfficerFactory()


def _ids(table):
    return [row.proposal.pk for row in table.rows]


def test_weighted_score_spread_disagreement_and_thresholds(officer):
    cutoff, link, criteria = ranking_cutoff(criteria=((2, 3), (1, None)))
    proposal = panel_proposal(
        cutoff, link, criteria, scores=((5, 1), (3, 2), (4, 4)), officer=officer
    )
    failing = panel_proposal(cutoff, link, criteria, scores=((2, 5), (3, 5)), officer=officer)
    table = ranking_table(cutoff=cutoff)
    row = next(r for r in table.rows if r.proposal.pk == proposal.pk)
    # Weighted totals 11, 8, 12: their mean.
    assert row.weighted_score == Decimal("31") / 3
    first, second = row.criteria
    assert first.mean == Decimal(4) and first.spread == 2 and first.disagreement
    assert first.passed is True
    assert second.mean == Decimal(7) / 3 and second.spread == 3 and second.passed is None
    assert row.reviews_submitted == 3 and row.reviews_assigned == 3
    assert not row.failed_threshold
    low = next(r for r in table.rows if r.proposal.pk == failing.pk)
    assert low.criteria[0].mean == Decimal("2.5") and low.criteria[0].spread == 1
    assert not low.criteria[0].disagreement
    assert low.failed == ["Criterion 1"] and low.failed_threshold
    assert low.planned.outcome == "reject" and "below the threshold" in low.planned.reason


def test_order_by_score_with_ties_to_the_earlier_submission(officer):
    cutoff, link, criteria = ranking_cutoff()
    tie_first = panel_proposal(cutoff, link, criteria, scores=((3, 3),), officer=officer)
    best = panel_proposal(cutoff, link, criteria, scores=((5, 4),), officer=officer)
    tie_second = panel_proposal(cutoff, link, criteria, scores=((4, 2),), officer=officer)
    # Without reviews a proposal cannot go to the panel; still in review, it ranks last.
    unscored = panel_proposal(
        cutoff, link, criteria, scores=(), officer=officer, to=ProposalStatus.IN_REVIEW
    )
    assert _ids(ranking_table(cutoff=cutoff)) == [best.pk, tie_first.pk, tie_second.pk, unscored.pk]


def test_each_pool_draws_its_funding_line_where_it_runs_out(officer):
    cutoff, link, criteria = ranking_cutoff(pool_hours=Decimal(50_000))
    other = CutOffPoolFactory(
        cutoff=cutoff,
        pool__hours=Decimal(100_000),
        pool__label="Pool B",
        offered_partition__min_hours=Decimal(1_000),
    )
    top = panel_proposal(cutoff, link, criteria, scores=((5, 5),), hours=Decimal(30_000))
    second = panel_proposal(
        cutoff, link, criteria, scores=((4, 4),), hours=Decimal(30_000), recommended=15_000
    )
    third = panel_proposal(cutoff, link, criteria, scores=((3, 3),), hours=Decimal(20_000))
    on_b = panel_proposal(cutoff, other, criteria, scores=((2, 2),), hours=Decimal(40_000))
    table = ranking_table(cutoff=cutoff)
    assert _ids(table) == [top.pk, second.pk, third.pk, on_b.pk]
    by_id = {p.pool_id: p for p in table.plan.pools}
    pool_a, pool_b = by_id[link.pool_id], by_id[other.pool_id]
    # Named by the partition: the pool's own label repeats the call and the cut-off.
    assert pool_a.label == str(link.offered_partition.partition)
    # 30,000 + 15,000 recommended fit in 50,000; the third's 20,000 does not.
    assert pool_a.ran_out_at == third.pk and pool_a.awarded == Decimal(45_000)
    assert pool_b.ran_out_at is None and pool_b.awarded == Decimal(40_000)
    rows = {row.proposal.pk: row for row in table.rows}
    assert rows[second.pk].running[pool_a.pool_id] == Decimal(45_000)
    assert rows[third.pk].running[pool_a.pool_id] == Decimal(65_000)
    assert [p.pool_id for p in rows[third.pk].lines_above] == [pool_a.pool_id]
    assert rows[on_b.pk].planned.outcome == "award"
    # Each row's running totals are those of the pools it draws from.
    assert set(rows[on_b.pk].running) == {pool_b.pool_id}


def test_moves_need_a_reason_and_make_versions_that_survive_new_reviews(officer):
    cutoff, link, criteria = ranking_cutoff()
    a = panel_proposal(cutoff, link, criteria, scores=((4, 5),), officer=officer)
    b = panel_proposal(cutoff, link, criteria, scores=((4, 4),), officer=officer)
    c = panel_proposal(
        cutoff, link, criteria, scores=((1, 1),), officer=officer, to=ProposalStatus.IN_REVIEW
    )
    with pytest.raises(ValidationError) as exc:
        ranking_move(cutoff=cutoff, proposal=b, to=1, reason="  ", by=officer)
    assert exc.value.message_dict["reason"] == ["Write the reason for the move."]
    with pytest.raises(ValidationError) as exc:
        ranking_move(cutoff=cutoff, proposal=b, to=9, reason="Strategic", by=officer)
    assert exc.value.message_dict["to"] == ["Choose a position from 1 to 3."]
    version = ranking_move(
        cutoff=cutoff, proposal=b, to=1, reason="Strategic for the programme", by=officer
    )
    assert version.number == 1 and version.order == [b.pk, a.pk, c.pk]
    assert version.change == {"proposal": b.pk, "from": 2, "to": 1}
    # A late review lifts c above a; b keeps the place the panel gave it.
    from reviews.services.assignment import assignment_add, assignment_answer
    from tests.factories import panel_review_submitted

    late = panel_reviewer(cutoff.call)
    assignment = assignment_add(proposal=c, reviewer=late, by=officer)
    assignment_answer(assignment=assignment, reviewer=late, accept=True)
    panel_review_submitted(assignment=assignment, scores=dict(zip(criteria, (5, 5), strict=True)))
    from reviews.models import Review

    Review.objects.filter(proposal=c).exclude(pk=assignment.review.pk).delete()
    assert _ids(ranking_table(cutoff=cutoff)) == [b.pk, c.pk, a.pk]
    activity = Activity.objects.get(verb="ranking.move")
    assert activity.data["reason"] == "Strategic for the programme"


def test_closing_freezes_the_ranking_and_refuses_every_change(officer):
    cutoff, link, criteria = ranking_cutoff()
    a = panel_proposal(cutoff, link, criteria, scores=((5, 5),), officer=officer)
    b = panel_proposal(cutoff, link, criteria, scores=((4, 4),), officer=officer)
    panel_note_add(proposal=a, text="Strong team; ambitious timeline.", by=officer)
    ranking = panel_close(cutoff=cutoff, by=officer)
    assert ranking.is_frozen
    frozen = RankingVersion.objects.get(ranking=ranking)
    assert frozen.order == [a.pk, b.pk] and frozen.change == {}
    for attempt in (
        lambda: ranking_move(cutoff=cutoff, proposal=b, to=1, reason="Late", by=officer),
        lambda: panel_note_add(proposal=b, text="Too late", by=officer),
        lambda: panel_close(cutoff=cutoff, by=officer),
    ):
        with pytest.raises(ValidationError, match="the ranking is frozen"):
            attempt()
    assert RankingVersion.objects.filter(ranking=ranking).count() == 1


def test_only_officers_write(officer):
    cutoff, link, criteria = ranking_cutoff()
    a = panel_proposal(cutoff, link, criteria, scores=((5, 5),), officer=officer)
    reviewer = panel_reviewer(cutoff.call)
    for attempt in (
        lambda: ranking_move(cutoff=cutoff, proposal=a, to=1, reason="x", by=reviewer),
        lambda: panel_note_add(proposal=a, text="x", by=reviewer),
        lambda: panel_close(cutoff=cutoff, by=reviewer),
    ):
        with pytest.raises(PermissionDenied):
            attempt()


def _url(cutoff, name="reviews:ranking"):
    return reverse(name, kwargs={"pk": cutoff.pk})


def _notes_url(cutoff, proposal):
    return reverse("reviews:ranking_notes", kwargs={"pk": cutoff.pk, "proposal": proposal.pk})


def test_pages_for_the_officer_and_the_panel_without_conflicted_rows(client, officer):
    cutoff, link, criteria = ranking_cutoff()
    shown = panel_proposal(cutoff, link, criteria, scores=((5, 5),), officer=officer)
    hidden = panel_proposal(cutoff, link, criteria, scores=((4, 4),), officer=officer)
    panel_note_add(proposal=hidden, text="Secret panel note on the hidden one", by=officer)
    reviewer = panel_reviewer(cutoff.call)
    DeclaredConflict.objects.create(reviewer=reviewer, proposal=hidden, type="personal")
    client.force_login(officer)
    page = client.get(_url(cutoff)).content.decode()
    assert hidden.title in page and 'id="close-panel"' in page and 'id="move-form"' in page
    # The row counts its notes and links to them; the notes are on the proposal's notes page.
    assert f'href="{_notes_url(cutoff, hidden)}">1 note<' in page
    assert f'href="{_notes_url(cutoff, shown)}">No notes<' in page
    assert "Secret panel note" in client.get(_notes_url(cutoff, hidden)).content.decode()
    client.force_login(reviewer)
    page = client.get(_url(cutoff)).content.decode()
    assert shown.title in page and "1 you have a conflict with is left out" in page
    assert hidden.title not in page and hidden.reference not in page
    assert 'id="close-panel"' not in page and 'id="move-form"' not in page
    assert client.get(_notes_url(cutoff, hidden)).status_code == 404
    notes = client.get(_notes_url(cutoff, shown))
    assert notes.status_code == 200 and 'id="note-form"' not in notes.content.decode()
    assert client.post(_notes_url(cutoff, shown), {"text": "x"}).status_code == 404
    assert client.post(_url(cutoff, "reviews:ranking_close")).status_code == 404
    assert client.get(reverse("reviews:reviewer_panels")).status_code == 200


@pytest.mark.parametrize("who", ["applicant", "assessor", "other reviewer"])
def test_everyone_else_gets_a_404(client, officer, who):
    cutoff, link, criteria = ranking_cutoff()
    proposal = panel_proposal(cutoff, link, criteria, scores=((5, 5),), officer=officer)
    user = {
        "applicant": lambda: proposal.created_by,
        "assessor": lambda: CentreMembershipFactory().user,
        "other reviewer": lambda: panel_reviewer(ranking_cutoff()[0].call),
    }[who]()
    client.force_login(user)
    notes = _notes_url(cutoff, proposal)
    for url in (_url(cutoff), _url(cutoff, "reviews:funding_line"), notes):
        assert client.get(url).status_code == 404
    for name in ("reviews:ranking_move", "reviews:ranking_close"):
        assert client.post(_url(cutoff, name), {"proposal": proposal.pk}).status_code == 404
    assert client.post(notes, {"text": "x"}).status_code == 404


def test_a_move_from_the_page_keeps_what_was_typed_on_error(client, officer):
    cutoff, link, criteria = ranking_cutoff()
    a = panel_proposal(cutoff, link, criteria, scores=((5, 5),), officer=officer)
    b = panel_proposal(cutoff, link, criteria, scores=((4, 4),), officer=officer)
    client.force_login(officer)
    answer = client.post(
        _url(cutoff, "reviews:ranking_move"), {"proposal": b.pk, "direction": "up", "reason": ""}
    )
    assert answer.status_code == 400
    assert "Write the reason for the move." in answer.content.decode()
    answer = client.post(
        _url(cutoff, "reviews:ranking_move"),
        {"proposal": b.pk, "to": "7", "direction": "", "reason": "Kept reason"},
    )
    assert answer.status_code == 400
    page = answer.content.decode()
    assert "Choose a position from 1 to 2." in page and 'value="Kept reason"' in page
    # The one move form keeps the proposal chosen and the position typed.
    assert f'<option value="{b.pk}" selected>2. {b.reference}' in page and 'value="7"' in page
    answer = client.post(
        _url(cutoff, "reviews:ranking_move"), {"to": "1", "direction": "", "reason": "Kept"}
    )
    assert answer.status_code == 400
    page = answer.content.decode()
    assert "Choose the proposal to move." in page and 'value="Kept"' in page
    answer = client.post(
        _url(cutoff, "reviews:ranking_move"),
        {"proposal": b.pk, "direction": "up", "reason": "Industrial relevance"},
    )
    assert answer.status_code == 302
    assert _ids(ranking_table(cutoff=cutoff)) == [b.pk, a.pk]
    page = client.get(_url(cutoff)).content.decode()
    assert "moved a proposal from 2 to 1 — Industrial relevance" in page


def test_the_table_rows_show_every_figure_with_the_texts_escaped(client, officer):
    cutoff, link, criteria = ranking_cutoff(
        pool_hours=Decimal(30_000), criteria=((2, 3), (1, None))
    )
    top = panel_proposal(cutoff, link, criteria, scores=((5, 5), (3, 5)), officer=officer)
    over = panel_proposal(cutoff, link, criteria, scores=((4, 4),), officer=officer)
    failing = panel_proposal(cutoff, link, criteria, scores=((2, 2),), officer=officer)
    Proposal.objects.filter(pk=top.pk).update(title='<b>Fast & "furious"</b>')
    client.force_login(officer)
    page = client.get(_url(cutoff)).content.decode()
    assert "&lt;b&gt;Fast &amp; &quot;furious&quot;&lt;/b&gt;" in page and "<b>Fast" not in page
    rows = page.split('class="ranking-row')[1:]
    first, second, third = rows
    # Weighted totals 15 and 11: mean 13; criterion 1 spread 2 flags a disagreement.
    assert ">13.00<" in first and "Criterion 1: 4.00, spread 2" in first
    assert "Disagreement" in first and "Threshold passed" in first and "Above the line" in first
    assert "Criterion 2: 5.00, spread 0</li>" in first and "2 of 2 submitted" in first
    assert "Disagreement" not in second and "Below the line" in second
    assert "Below threshold" in third and "Below a threshold" in third
    assert 'class="ranking-row ranking-failed"' in page
    # The pool's 30,000 hours hold the first proposal's 20,000, not the second's: its line is
    # drawn between them.
    line = page.index("run out here")
    assert page.index(f'id="row-{top.pk}"') < line < page.index(f'id="row-{over.pk}"')
    assert page.index(f'id="row-{over.pk}"') < page.index(f'id="row-{failing.pk}"')
    assert "20,000 / 20,000" in first


def test_panel_notes_on_their_own_page_keep_what_was_typed_and_freeze(client, officer):
    cutoff, link, criteria = ranking_cutoff()
    proposal = panel_proposal(cutoff, link, criteria, scores=((5, 5),), officer=officer)
    client.force_login(officer)
    url = _notes_url(cutoff, proposal)
    page = client.get(url).content.decode()
    assert "No panel note on this proposal yet." in page and 'id="note-form"' in page
    answer = client.post(url, {"text": "   "})
    assert answer.status_code == 400 and "Write the note." in answer.content.decode()
    answer = client.post(url, {"text": "x" * 20_000})
    assert answer.status_code == 400
    assert "x" * 20_000 in answer.content.decode()
    answer = client.post(url, {"text": "Strong team; ambitious timeline."}, follow=True)
    page = answer.content.decode()
    assert f"Panel note added to {proposal.reference}." in page
    assert "Strong team; ambitious timeline." in page
    assert ">1 note<" in client.get(_url(cutoff)).content.decode()
    # A proposal of another cut-off is not this ranking's.
    other = panel_proposal(*ranking_cutoff(), scores=(), officer=officer)
    assert client.get(_notes_url(cutoff, other)).status_code == 404
    panel_close(cutoff=cutoff, by=officer)
    page = client.get(url).content.decode()
    assert 'id="note-form"' not in page and "the ranking and its notes are frozen" in page
    answer = client.post(url, {"text": "Too late"})
    assert answer.status_code == 400 and "the ranking is frozen" in answer.content.decode()


def test_the_ranking_page_takes_the_same_queries_for_1_and_50_proposals(
    client, officer, assert_queries_constant
):
    cutoff, link, criteria = ranking_cutoff(pool_hours=Decimal(10**8), criteria=((1, 3), (2, None)))
    reviewers = [panel_reviewer(cutoff.call) for _ in range(3)]
    for reviewer in reviewers:
        ReviewerProfile.objects.create(user=reviewer, max_load=60)

    def add(n):
        for i in range(n):
            proposal = panel_proposal(
                cutoff,
                link,
                criteria,
                scores=((i % 5, 3), (4, 2), (3, 5)),
                reviewers=reviewers,
                officer=officer,
            )
            panel_note_add(proposal=proposal, text=f"Note {i}", by=officer)

    add(2)
    ranking_move(
        cutoff=cutoff,
        proposal=cutoff.proposals.order_by("pk").first(),
        to=1,
        reason="x",
        by=officer,
    )
    client.force_login(officer)
    client.get(_url(cutoff))
    assert_queries_constant(lambda: client.get(_url(cutoff)), grow=lambda: add(48), at_most=30)
    assert client.get(_url(cutoff)).content.decode().count('class="ranking-row') == 50
