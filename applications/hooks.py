"""Where higher apps plug into a proposal's life without applications ever importing them.

`applications` owns the proposal and its one door for state changes
(applications.services.proposals.transitions). Apps above it (`reviews`) fill these registries in
their `AppConfig.ready()`:

- **actor providers**: who a user is for *this* proposal (applicant, programme officer,
  technical assessor, later an assigned reviewer). The door asks them which transitions a user may
  take; the rules and the querysets ask them who may see a proposal, so a page and a list never
  disagree.
- **transition guards**: callables asked before a transition, each able to veto it with a message
  ("decide only when every centre has assessed").
- **signals**: `proposal_status_changed` inside the transaction (an exception rolls it back),
  `proposal_transitioned` after it commits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import Q
from django.dispatch import Signal

from applications.workflow import Actor

# --- who may see a proposal: submitted proposals ------------------------------------------------


def submitted_q() -> Q:
    """Proposals that were submitted (whatever happened since). A draft stays private to its
    organisation, also once withdrawn without ever being submitted (no submission time)."""
    return ~Q(status="draft") & ~Q(status="withdrawn", submitted_at__isnull=True)


def was_submitted(proposal) -> bool:
    """`submitted_q` for one proposal."""
    if proposal is None or proposal.status == "draft":
        return False
    return not (proposal.status == "withdrawn" and proposal.submitted_at is None)


# --- actor providers ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ActorProvider:
    """One way of being someone to a proposal.

    `holds(user, proposal)` answers for one proposal; `proposals_q(user)` is the same answer for
    a queryset (None: for no proposal). A user for whom some provider holds may see the proposal.
    """

    actor: str
    holds: Callable[..., bool]
    proposals_q: Callable[..., Q | None]


_actor_providers: list[ActorProvider] = []


def actor_provider_register(provider: ActorProvider) -> None:
    """Add a provider (idempotent per actor: registering an actor again replaces it)."""
    _actor_providers[:] = [p for p in _actor_providers if p.actor != provider.actor]
    _actor_providers.append(provider)


def actor_providers() -> tuple[ActorProvider, ...]:
    return tuple(_actor_providers)


def proposal_actors(*, proposal, user) -> frozenset[str]:
    """Every actor `user` is for `proposal`; `user=None` is the portal itself (scheduled jobs)."""
    if user is None:
        return frozenset({Actor.SYSTEM})
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    return frozenset(p.actor for p in _actor_providers if p.holds(user, proposal))


def proposals_visible_q(*, user) -> Q | None:
    """The proposals `user` may see, as one filter (None: none at all)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    combined = None
    for provider in _actor_providers:
        q = provider.proposals_q(user)
        if q is not None:
            combined = q if combined is None else combined | q
    return combined


# The providers applications knows itself. A superuser is none of them by being one.


def _is_applicant(user, proposal) -> bool:
    from portal.models import Membership

    # Asked afresh (not the per-object role cache): who has just left the organisation is out.
    return Membership.objects.filter(
        organisation_id=proposal.organisation_id, user_id=user.pk
    ).exists()


def _applicant_q(user) -> Q:
    from portal.models import Membership

    return Q(organisation__in=Membership.objects.filter(user=user).values("organisation_id"))


def _is_officer(user, proposal) -> bool:
    from portal.roles import is_programme_officer

    return is_programme_officer(user) and was_submitted(proposal)


def _officer_q(user) -> Q | None:
    from portal.roles import is_programme_officer

    return submitted_q() if is_programme_officer(user) else None


def _assessed_centres(user) -> set[int]:
    from allocations.models import CentreMembership
    from portal.roles import centre_ids_with_role

    return centre_ids_with_role(user, CentreMembership.Role.TECHNICAL_ASSESSOR)


def _is_assessor(user, proposal) -> bool:
    centres = _assessed_centres(user)
    if not centres or not was_submitted(proposal):
        return False
    return proposal.requests.filter(offered_partition__partition__centre_id__in=centres).exists()


def _assessor_q(user) -> Q | None:
    from applications.models import ResourceRequest

    centres = _assessed_centres(user)
    if not centres:
        return None
    requesting = ResourceRequest.objects.filter(
        offered_partition__partition__centre_id__in=centres
    ).values("proposal_id")
    return submitted_q() & Q(pk__in=requesting)


actor_provider_register(ActorProvider(Actor.APPLICANT, _is_applicant, _applicant_q))
actor_provider_register(ActorProvider(Actor.PROGRAMME_OFFICER, _is_officer, _officer_q))
actor_provider_register(ActorProvider(Actor.TECHNICAL_ASSESSOR, _is_assessor, _assessor_q))


# --- transition guards --------------------------------------------------------------------------

# guard(*, proposal, transition, actors, by, details) -> None, or the reason for refusing.
TransitionGuard = Callable[..., str | None]
_guards: list[tuple[frozenset[str] | None, TransitionGuard]] = []


def transition_guard_register(guard: TransitionGuard, *, actions: Iterable[str] | None = None):
    """Ask `guard` before each transition (or only before `actions`). Registering the same guard
    again changes nothing. Usable as a decorator."""
    if not any(existing is guard for _, existing in _guards):
        _guards.append((frozenset(actions) if actions is not None else None, guard))
    return guard


def transition_guard_unregister(guard: TransitionGuard) -> None:
    _guards[:] = [(actions, g) for actions, g in _guards if g is not guard]


def transition_vetoes(*, proposal, transition, actors, by, details) -> list[str]:
    """The reasons the registered guards give against this transition (empty: allowed)."""
    reasons = []
    for actions, guard in list(_guards):
        if actions is not None and transition.action not in actions:
            continue
        reason = guard(
            proposal=proposal, transition=transition, actors=actors, by=by, details=details
        )
        if reason:
            reasons.append(str(reason))
    return reasons


# --- signals ------------------------------------------------------------------------------------

# Sent inside the door's transaction, after the write and the activity entry, with proposal,
# transition, from_status, by, actors, details, activity. Receivers may write more in the same
# transaction (open assessments); raising rolls the whole transition back.
proposal_status_changed = Signal()

# Sent once the transition has committed, with the same arguments. For work that must not run
# on a change that may still roll back (mail is queued by the door itself).
proposal_transitioned = Signal()


# --- what a proposal waits on -------------------------------------------------------------------


@dataclass(frozen=True)
class WaitingProvider:
    """How an app above applications tells what a proposal in evaluation waits on.

    `refine(proposal_ids)` answers, for proposals past the eligibility check and not yet decided,
    {pk: (WaitingOn value, who)} for those that wait on something else than the officer's
    decision: a technical assessment, perhaps overdue, and who it waits for in a few words
    ("CSC, IT4I (overdue)"). One query for any number of proposals.
    """

    name: str
    refine: Callable[[list[int]], dict[int, tuple[str, str]]]


_waiting_providers: list[WaitingProvider] = []


def waiting_provider_register(provider: WaitingProvider) -> None:
    """Add a provider (registering a name again replaces it)."""
    _waiting_providers[:] = [p for p in _waiting_providers if p.name != provider.name]
    _waiting_providers.append(provider)


def waiting_providers() -> tuple[WaitingProvider, ...]:
    return tuple(_waiting_providers)


# --- the demo's story ---------------------------------------------------------------------------

# Chapters that higher apps add after the applications' part of the demo (seed_demo), in the
# order registered: chapter(*, officer) -> None, idempotent.
_demo_chapters: list[Callable[..., None]] = []


def demo_chapter_register(chapter: Callable[..., None]) -> Callable[..., None]:
    if chapter not in _demo_chapters:
        _demo_chapters.append(chapter)
    return chapter


def demo_chapters() -> tuple[Callable[..., None], ...]:
    return tuple(_demo_chapters)
