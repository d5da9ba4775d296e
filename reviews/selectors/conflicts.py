"""Reads of conflicts of interest: the pairs the assignment must exclude, what an officer decides
on, what a reviewer declared, and whether a reviewer may read a proposal."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from applications.hooks import submitted_q, was_submitted
from applications.models import CutOff, Proposal
from reviews.models import DeclaredConflict, DetectedConflict, NoConflictConfirmation
from reviews.selectors.pool import accepted_terms_call_ids

D = DetectedConflict.Status


def conflicted_pairs(cutoff: CutOff) -> set[tuple[int, int]]:
    """(reviewer user id, proposal id) pairs of the cut-off that must never meet: detected
    conflicts not dismissed (confirmed or still to decide) and every declared one, whether
    declared for the proposal or for its organisation."""
    pairs = set(
        DetectedConflict.objects.filter(cutoff=cutoff)
        .exclude(status=D.DISMISSED)
        .values_list("reviewer_id", "proposal_id")
    )
    pairs |= set(
        DeclaredConflict.objects.filter(proposal__cutoff=cutoff).values_list(
            "reviewer_id", "proposal_id"
        )
    )
    by_organisation = DeclaredConflict.objects.filter(
        organisation__proposals__cutoff=cutoff
    ).values_list("reviewer_id", "organisation__proposals__id")
    pairs |= set(by_organisation)
    return pairs


def reviewer_conflicts_with(*, reviewer, proposal) -> bool:
    """`conflicted_pairs` for one pair."""
    if not getattr(reviewer, "is_authenticated", False):
        return True
    return (
        DetectedConflict.objects.filter(reviewer=reviewer, proposal=proposal)
        .exclude(status=D.DISMISSED)
        .exists()
        or DeclaredConflict.objects.filter(reviewer=reviewer)
        .filter(Q(proposal=proposal) | Q(organisation_id=proposal.organisation_id))
        .exists()
    )


def proposal_open_to_conflict_check(*, reviewer, proposal) -> bool:
    """A reviewer may see a proposal's title and organisation (to confirm or declare a conflict)
    when they review for its call under accepted terms, it was submitted, and no conflict is
    known: a conflicted reviewer is never shown the proposal."""
    if proposal is None or not was_submitted(proposal):
        return False
    if proposal.call_id not in accepted_terms_call_ids(user=reviewer):
        return False
    return not reviewer_conflicts_with(reviewer=reviewer, proposal=proposal)


def may_read_proposal(reviewer, proposal) -> bool:
    """Whether the reviewer may read the proposal's body: open to them (pool, terms, no conflict)
    and they confirmed having no conflict after seeing its title and organisation."""
    return (
        proposal_open_to_conflict_check(reviewer=reviewer, proposal=proposal)
        and NoConflictConfirmation.objects.filter(reviewer=reviewer, proposal=proposal).exists()
    )


def proposals_to_check(*, reviewer) -> QuerySet[Proposal]:
    """Submitted proposals of the reviewer's calls (terms accepted) that they have not yet
    confirmed or declared, minus every known conflict."""
    call_ids = accepted_terms_call_ids(user=reviewer)
    confirmed = NoConflictConfirmation.objects.filter(reviewer=reviewer).values("proposal_id")
    detected = (
        DetectedConflict.objects.filter(reviewer=reviewer)
        .exclude(status=D.DISMISSED)
        .values("proposal_id")
    )
    declared = DeclaredConflict.objects.filter(reviewer=reviewer)
    return (
        Proposal.objects.filter(submitted_q(), call_id__in=call_ids)
        .exclude(pk__in=confirmed)
        .exclude(pk__in=detected)
        .exclude(pk__in=declared.filter(proposal__isnull=False).values("proposal_id"))
        .exclude(
            organisation_id__in=declared.filter(organisation__isnull=False).values(
                "organisation_id"
            )
        )
        .select_related("organisation", "call", "cutoff")
        .order_by("cutoff__at", "reference", "pk")
    )


def declared_conflicts_of(*, reviewer) -> QuerySet[DeclaredConflict]:
    return DeclaredConflict.objects.filter(reviewer=reviewer).select_related(
        "organisation", "proposal"
    )


def detected_conflicts_for_officer(*, cutoff: CutOff) -> QuerySet[DetectedConflict]:
    """Every detected conflict of a cut-off, to decide first, with reviewer and proposal."""
    return (
        DetectedConflict.objects.filter(cutoff=cutoff)
        .select_related("reviewer", "proposal", "proposal__organisation", "decided_by")
        .annotate(
            decided=Case(
                When(status=D.DETECTED, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("decided", "proposal__reference", "proposal_id", "reviewer__email", "rule")
    )
