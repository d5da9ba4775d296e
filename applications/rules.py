"""Permissions of the applications app as `rules` predicates: pages, downloads and the API all ask
`user.has_perm(name, obj)`, so one set of rules answers for every interface."""

from __future__ import annotations

import rules

from portal.roles import is_programme_officer as _is_programme_officer

# --- Calls ------------------------------------------------------------------------------------
# Programme officers set up calls and see the submissions of every cut-off. Anyone may read a
# published call; an unpublished one is visible to officers only (its page is a 404 to others).


@rules.predicate
def officer_runs_calls(user) -> bool:
    return _is_programme_officer(user)


@rules.predicate
def call_is_published(user, call) -> bool:
    return call is not None and call.is_published


rules.add_perm("applications.manage_calls", officer_runs_calls)
rules.add_perm("applications.change_call", officer_runs_calls)
rules.add_perm("applications.view_call", call_is_published | officer_runs_calls)
rules.add_perm("applications.view_cutoff_submissions", officer_runs_calls)
# A cut-off's decision mails, held until an officer has read (and perhaps edited) and released them.
rules.add_perm("applications.review_decision_mails", officer_runs_calls)
# Closure days count for every call's time to access: the programme office keeps them.
rules.add_perm("applications.manage_closure_days", officer_runs_calls)
# Each proposal's time-to-access clock is for the programme office, not the applicant.
rules.add_perm("applications.view_time_to_access", officer_runs_calls)


# --- Proposals --------------------------------------------------------------------------------
# The object may be a Proposal or anything that belongs to one (attachment, team member,
# resource request); predicates look through to the proposal.


def _proposal_of(obj):
    if obj is None:
        return None
    from applications.models import Proposal

    if isinstance(obj, Proposal):
        return obj
    return getattr(obj, "proposal", None)


def _phase(proposal):
    from applications.workflow import workflow_for

    return workflow_for(proposal.call).phase(proposal.status)


@rules.predicate
def is_proposal_member(user, obj) -> bool:
    """A member of the organisation that applies (the cached membership rule)."""
    from applications.hooks import proposal_actors
    from applications.workflow import Actor

    proposal = _proposal_of(obj)
    if proposal is None or not user.is_authenticated:
        return False
    return Actor.APPLICANT in proposal_actors(proposal=proposal, user=user)


@rules.predicate
def is_programme_officer(user) -> bool:
    return _is_programme_officer(user)


@rules.predicate
def proposal_is_editable(user, obj) -> bool:
    """The state allows the applicant to edit (a draft); a submitted proposal is locked."""
    proposal = _proposal_of(obj)
    return proposal is not None and _phase(proposal).applicant_can_edit


def _may(action: str):
    """`user` is, for this proposal, an actor the evaluation path allows to take `action` now:
    the same question the one door asks (applications.hooks providers + applications.workflow)."""

    @rules.predicate(name=f"may_{action}")
    def predicate(user, obj) -> bool:
        from applications.hooks import proposal_actors
        from applications.workflow import workflow_for

        proposal = _proposal_of(obj)
        if proposal is None or not user.is_authenticated:
            return False
        actors = proposal_actors(proposal=proposal, user=user)
        return bool(actors) and workflow_for(proposal.call).can(
            proposal.status, action, actor=actors, call=proposal.call
        )

    return predicate


@rules.predicate
def proposal_is_submitted(user, obj) -> bool:
    """Submitted (whatever happened since): a draft withdrawn before submission was never
    submitted and stays private. The selectors ask the same (applications.hooks.submitted_q)."""
    from applications.hooks import was_submitted

    return was_submitted(_proposal_of(obj))


@rules.predicate
def can_view_proposal(user, obj) -> bool:
    """Anyone who is someone to this proposal (applications.hooks' actor providers: its team, a
    programme officer once submitted, an assessor of a requested centre, later its reviewers).
    The selectors filter lists with the same providers."""
    from applications.hooks import proposal_actors

    proposal = _proposal_of(obj)
    if proposal is None or not user.is_authenticated:
        return False
    return bool(proposal_actors(proposal=proposal, user=user))


rules.add_perm("applications.view_proposal", can_view_proposal)
rules.add_perm("applications.change_proposal", is_proposal_member & proposal_is_editable)
rules.add_perm("applications.submit_proposal", _may("submit"))
rules.add_perm("applications.withdraw_proposal", _may("withdraw"))
rules.add_perm("applications.view_attachment", can_view_proposal)
