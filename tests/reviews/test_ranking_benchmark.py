"""The panel ranking figure of `manage.py bench`: measured at each size of its series, the page
answering 200 with every proposal in it, its queries the same at both sizes, nothing left behind."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from applications.models import Call, Proposal
from reviews.models import CriterionScore, Review


@pytest.mark.django_db
def test_the_ranking_figure_is_measured_at_both_sizes_and_leaves_nothing(tmp_path):
    out, report = StringIO(), tmp_path / "bench.json"
    # At scale 0.2 the series is 50 proposals, then 100 (500 at scale 1).
    call_command(
        "bench",
        scale=0.2,
        repeat=1,
        warmup=0,
        only="panel ranking",
        json_path=str(report),
        stdout=out,
    )
    printed = out.getvalue()
    assert "error" not in printed
    assert "the panel cut-off now holds 100 proposals in the panel and 300 reviews" in printed
    rows = [
        r
        for r in json.loads(report.read_text())["figures"]
        if r["name"].startswith("officer panel ranking")
    ]
    assert [r["size"] for r in rows] == [50, 100]
    assert rows[0]["name"].endswith("[50 ranked proposals]")
    assert all(r["ratio"] > 0 for r in rows)
    # The table reads in a fixed number of queries however many proposals it ranks.
    assert rows[0]["queries"] == rows[1]["queries"]
    # Twice as many rows make a page about twice as large: each proposal is on it.
    assert rows[1]["kb"] > 1.6 * rows[0]["kb"]
    assert not Call.objects.exists() and not Proposal.objects.exists()
    assert not Review.objects.exists() and not CriterionScore.objects.exists()
