"""The demo's panel ranking of the Large Scale cut-off: the panel is open, one proposal moved with
its reason, notes written, a pool's funding line falls inside the list beside a disagreement and
a failed threshold; the officer's page shows all of it, the demo reviewer reads the ranking
without the proposals they are conflicted with; a rerun changes nothing."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from portal.models import User
from reviews.demo_assessments import DEMO_OFFICER_EMAIL
from reviews.demo_pool import DEMO_REVIEWER_EMAIL
from reviews.demo_ranking import MOVE_REASON, NOTE_BELOW_LINE, ranking_demo_seed
from reviews.demo_reviews import review_cutoff
from reviews.models import PanelNote, PanelRanking
from reviews.selectors.conflicts import conflicted_pairs
from reviews.selectors.ranking import ranking_table
from tests.factories.portal import give_totp

pytestmark = pytest.mark.django_db


def _snapshot(cutoff):
    ranking = PanelRanking.objects.get(cutoff=cutoff)
    return (
        list(ranking.versions.order_by("number").values_list("number", "order", "reason")),
        list(PanelNote.objects.order_by("pk").values_list("proposal_id", "text")),
        ranking.frozen_at,
    )


def test_the_demo_panel_ranks_the_cutoff_with_a_move_notes_and_a_funding_line(client):
    call_command("seed_demo", stdout=StringIO())
    cutoff = review_cutoff()
    ranking = PanelRanking.objects.get(cutoff=cutoff)
    assert not ranking.is_frozen  # the demo officer closes it
    (version,) = ranking.versions.all()
    assert version.reason == MOVE_REASON and version.change["to"] == version.change["from"] + 1
    notes = PanelNote.objects.filter(proposal__cutoff=cutoff)
    assert 2 <= notes.count() <= 3

    table = ranking_table(cutoff=cutoff)
    moved = next(r for r in table.rows if r.pk == version.change["proposal"])
    assert moved.disagreement and moved.rank == version.change["to"]
    assert any(r.failed_threshold for r in table.rows)
    # A pool's line inside the list: proposals awarded above it, one cut below it.
    lines = [p for p in table.plan.pools if p.ran_out_at is not None]
    assert lines
    below = next(r for r in table.rows if r.pk == lines[0].ran_out_at)
    assert below.rank > 1 and below.planned.outcome != "award"
    assert notes.filter(proposal_id=below.pk, text=NOTE_BELOW_LINE).exists()

    officer = User.objects.get(email=DEMO_OFFICER_EMAIL)
    give_totp(officer)
    client.force_login(officer)
    page = client.get(reverse("reviews:ranking", args=[cutoff.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert 'class="funding-line"' in text and "Below a threshold" in text
    assert MOVE_REASON in text and "Close the panel" in text
    notes_page = client.get(reverse("reviews:ranking_notes", args=[cutoff.pk, below.pk]))
    assert NOTE_BELOW_LINE in notes_page.content.decode()

    # The demo reviewer, on the panel: the ranking without the proposals they are conflicted with.
    reviewer = User.objects.get(email=DEMO_REVIEWER_EMAIL)
    conflicted = {p for r, p in conflicted_pairs(cutoff) if r == reviewer.pk}
    assert conflicted
    give_totp(reviewer)
    client.force_login(reviewer)
    page = client.get(reverse("reviews:ranking", args=[cutoff.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    shown = [r for r in table.rows if r.pk not in conflicted]
    assert all(r.proposal.title in text for r in shown)
    assert not any(r.proposal.title in text for r in table.rows if r.pk in conflicted)
    panels = client.get(reverse("reviews:reviewer_panels")).content.decode()
    assert reverse("reviews:ranking", args=[cutoff.pk]) in panels

    before = _snapshot(cutoff)
    assert ranking_demo_seed(officer=officer) is False
    call_command("seed_demo", stdout=StringIO())
    assert _snapshot(cutoff) == before
