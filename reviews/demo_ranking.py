"""Demo data of the panel ranking of the Large Scale cut-off the peer review chapter reviewed
(reviews.demo_reviews), after the right of reply (reviews.demo_reply): the panel met yesterday.
It moved the proposal whose reviewers disagree one place down, with its reason, and wrote notes
on it, on the one that failed a threshold and on the first one below a pool's funding line. The
panel is still open: the demo officer closes it and previews the funding line.

Through the ranking services (reviews.services.ranking), as the officer chairing the panel, at
its moment (applications.demo_clock). Idempotent: once the cut-off's ranking has a version or a
note, nothing is done.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from applications.demo_clock import demo_moment
from applications.models import ProposalStatus
from applications.working_days import working_calendar
from reviews.demo_reviews import _Clock, review_cutoff
from reviews.models import PanelNote, PanelRanking
from reviews.selectors.ranking import ranking_table
from reviews.services.ranking import panel_note_add, ranking_move

MOVE_REASON = (
    "Two reviewers differ by two points on excellence. The panel read the reply: it answers the "
    "scaling question but not the one on novelty, so the panel sides with the lower score and "
    "ranks it below the next proposal."
)
NOTE_ON_DISAGREEMENT = (
    "Discussed the spread on excellence at length; the chair asked the reviewer with the "
    "highest score to confirm it after reading the reply."
)
NOTE_ON_THRESHOLD = (
    "Below the threshold on implementation: the panel suggests a Fast Lane request first, to "
    "show the data pipeline and scaling at a smaller size, and a new proposal after it."
)
NOTE_BELOW_LINE = (
    "A strong proposal just below the funding line of its partition: first on the waiting list "
    "if hours come back (a withdrawal or a reduced award)."
)


def ranking_demo_seed(*, officer, now: datetime | None = None) -> bool:
    """Play the panel's meeting; False when there is no reviewed cut-off or it already met."""
    now = now or timezone.now()
    cutoff = review_cutoff(now=now)
    if cutoff is None:
        return False
    ranking = PanelRanking.objects.filter(cutoff=cutoff).first()
    if ranking is not None and (
        ranking.versions.exists() or PanelNote.objects.filter(proposal__cutoff=cutoff).exists()
    ):
        return False
    rows = ranking_table(cutoff=cutoff).rows
    in_panel = [r for r in rows if r.proposal.status == ProposalStatus.IN_PANEL]
    if not in_panel:
        return False
    clock = _Clock(now, working_calendar())
    disagreement = next((r for r in in_panel if r.disagreement), None)
    with demo_moment(clock.at(1, 1.5)), transaction.atomic():
        if disagreement is not None:
            below = (
                disagreement.rank + 1 if disagreement.rank < len(rows) else disagreement.rank - 1
            )
            ranking_move(
                cutoff=cutoff,
                proposal=disagreement.proposal,
                to=below,
                reason=MOVE_REASON,
                by=officer,
            )
    with demo_moment(clock.at(1, 2.5)), transaction.atomic():
        rows = ranking_table(cutoff=cutoff).rows
        noted = set()
        if disagreement is not None:
            panel_note_add(proposal=disagreement.proposal, text=NOTE_ON_DISAGREEMENT, by=officer)
            noted.add(disagreement.pk)
        failed = next((r for r in rows if r.failed_threshold and r.pk not in noted), None)
        if failed is not None:
            panel_note_add(proposal=failed.proposal, text=NOTE_ON_THRESHOLD, by=officer)
            noted.add(failed.pk)
        below_line = next((r for r in rows if r.lines_above and r.pk not in noted), None)
        if below_line is not None:
            panel_note_add(proposal=below_line.proposal, text=NOTE_BELOW_LINE, by=officer)
    return True


def ranking_demo_chapter(*, officer) -> None:
    """The panel ranking chapter (applications.hooks.demo_chapters), after the right of reply."""
    ranking_demo_seed(officer=officer)
