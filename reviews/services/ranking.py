"""Writes of the panel ranking: move a proposal (with a reason, a new version each time), write a
panel note, close the panel (the last version is frozen). Programme officers only; once the
panel is closed every write is refused. The order rule is reviews.selectors.ranking's.

The cut-off's PanelRanking row is created on first use and locked by every write, so two
officers moving at once take turns and number their versions one after the other.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from applications.deadlines import format_deadline
from applications.models import CutOff, Proposal
from portal.services.activity import activity_record
from reviews.models import PanelNote, PanelRanking, RankingVersion
from reviews.models.ranking import MOVE_REASON_MAX_CHARS, PANEL_NOTE_MAX_CHARS
from reviews.selectors import ranking as selectors

PERM = "reviews.manage_panel"


def _require_officer(by) -> None:
    if by is None or not by.has_perm(PERM):
        raise PermissionDenied("Only programme officers chair the panel.")


def _clean_text(value: str, *, field: str, limit: int, what: str, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: [f"Write {what}."]})
    if len(value) > limit:
        raise ValidationError(
            {field: [f"Keep {what} to {limit:,} characters (it has {len(value):,})."]}
        )
    if "\x00" in value:
        raise ValidationError({field: ["The text contains a NUL character; remove it."]})
    return value


def _peer_reviewed(cutoff: CutOff) -> None:
    if not cutoff.call.is_peer_reviewed:
        raise ValidationError("Only cut-offs of peer-reviewed calls have a panel ranking.")


def panel_ranking_lock(*, cutoff: CutOff) -> PanelRanking:
    """The cut-off's ranking, created if need be, locked until the transaction ends."""
    PanelRanking.objects.get_or_create(cutoff=cutoff)
    return PanelRanking.objects.select_for_update().get(cutoff=cutoff)


def _refuse_if_frozen(ranking: PanelRanking) -> None:
    if ranking.is_frozen:
        raise ValidationError(
            "The panel closed on %(when)s: the ranking is frozen and takes no more changes.",
            code="frozen",
            params={"when": format_deadline(ranking.frozen_at, None)},
        )


def _current(cutoff: CutOff, ranking: PanelRanking) -> tuple[list[int], list[int], list]:
    """The score order, the order the panel sees now, and the versions so far."""
    pools = selectors.cutoff_pools(cutoff=cutoff)
    rows, _ = selectors.ranking_rows(cutoff, pools=pools)
    versions = list(ranking.versions.all())
    return (
        selectors.score_order(rows),
        selectors.ranking_order(rows, ranking, versions),
        versions,
    )


def _next_number(versions) -> int:
    return max((v.number for v in versions), default=0) + 1


@transaction.atomic
def ranking_move(*, cutoff: CutOff, proposal: Proposal, to: int, reason: str, by) -> RankingVersion:
    """Put `proposal` at position `to` (1 is the top) for `reason`; a new version records the
    order after the move, the move and its reason."""
    _require_officer(by)
    _peer_reviewed(cutoff)
    ranking = panel_ranking_lock(cutoff=cutoff)
    _refuse_if_frozen(ranking)
    reason = _clean_text(
        reason,
        field="reason",
        limit=MOVE_REASON_MAX_CHARS,
        what="the reason for the move",
        required=True,
    )
    scored, order, versions = _current(cutoff, ranking)
    if proposal.pk not in order:
        raise ValidationError({"proposal": ["This proposal is not in the cut-off's ranking."]})
    here = order.index(proposal.pk) + 1
    if not isinstance(to, int) or not 1 <= to <= len(order):
        raise ValidationError({"to": [f"Choose a position from 1 to {len(order)}."]})
    if to == here:
        raise ValidationError({"to": [f"The proposal is already at position {here}."]})
    change = {"proposal": proposal.pk, "from": here, "to": to}
    new_order = selectors.apply_moves(scored, [*selectors.moves_of(versions), change])
    version = RankingVersion.objects.create(
        ranking=ranking,
        number=_next_number(versions),
        order=new_order,
        change=change,
        reason=reason,
        created_by=by,
    )
    activity_record(
        actor=by,
        verb="ranking.move",
        target=proposal,
        data={"from": here, "to": to, "reason": reason, "version": version.number},
    )
    return version


@transaction.atomic
def panel_note_add(*, proposal: Proposal, text: str, by) -> PanelNote:
    """A note of the panel on `proposal` (staff and panel only, never the applicant)."""
    _require_officer(by)
    cutoff = CutOff.objects.select_related("call").get(pk=proposal.cutoff_id)
    _peer_reviewed(cutoff)
    ranking = panel_ranking_lock(cutoff=cutoff)
    _refuse_if_frozen(ranking)
    if proposal.status not in (*selectors.RANKED, *selectors.DECIDED):
        raise ValidationError({"proposal": ["This proposal is not in the cut-off's ranking."]})
    text = _clean_text(
        text, field="text", limit=PANEL_NOTE_MAX_CHARS, what="the note", required=True
    )
    note = PanelNote.objects.create(proposal=proposal, text=text, author=by)
    activity_record(actor=by, verb="panel_note.add", target=proposal, data={"note": note.pk})
    return note


@transaction.atomic
def panel_close(*, cutoff: CutOff, by) -> PanelRanking:
    """Close the panel: the order as it stands is kept as the last version (a recomputed one
    when new reviews changed it since the last move) and frozen."""
    _require_officer(by)
    _peer_reviewed(cutoff)
    ranking = panel_ranking_lock(cutoff=cutoff)
    _refuse_if_frozen(ranking)
    _, order, versions = _current(cutoff, ranking)
    if not order:
        raise ValidationError("The cut-off has no proposal to rank yet.")
    latest = max(versions, key=lambda v: v.number) if versions else None
    if latest is None or latest.order != order:
        RankingVersion.objects.create(
            ranking=ranking,
            number=_next_number(versions),
            order=order,
            change={},
            reason="",
            created_by=by,
        )
    ranking.frozen_at = timezone.now()
    ranking.frozen_by = by
    ranking.save(update_fields=["frozen_at", "frozen_by"])
    activity_record(actor=by, verb="panel.close", target=cutoff, data={"proposals": len(order)})
    return ranking
