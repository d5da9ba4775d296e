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
    """A member of the organisation that applies."""
    proposal = _proposal_of(obj)
    if proposal is None or not user.is_authenticated:
        return False
    from portal.models import Membership

    return Membership.objects.filter(
        organisation_id=proposal.organisation_id, user_id=user.pk
    ).exists()


@rules.predicate
def is_programme_officer(user) -> bool:
    return _is_programme_officer(user)


@rules.predicate
def proposal_is_editable(user, obj) -> bool:
    """The state allows the applicant to edit (a draft); a submitted proposal is locked."""
    proposal = _proposal_of(obj)
    return proposal is not None and _phase(proposal).applicant_can_edit


def _applicant_may(action: str):
    @rules.predicate(name=f"applicant_may_{action}")
    def predicate(user, obj) -> bool:
        from applications.workflow import Actor, workflow_for

        proposal = _proposal_of(obj)
        if proposal is None:
            return False
        return workflow_for(proposal.call).can(
            proposal.status, action, actor=Actor.APPLICANT, call=proposal.call
        )

    return predicate


proposal_can_be_submitted = _applicant_may("submit")
proposal_can_be_withdrawn = _applicant_may("withdraw")


@rules.predicate
def proposal_is_submitted(user, obj) -> bool:
    """Submitted (whatever happened since): from then on the programme office may read it. A
    draft withdrawn before submission was never submitted and stays private; the selectors ask
    the same (applications.selectors.proposals.read_by_programme_office)."""
    from applications.models import ProposalStatus

    proposal = _proposal_of(obj)
    if proposal is None or proposal.status == ProposalStatus.DRAFT:
        return False
    return not (proposal.status == ProposalStatus.WITHDRAWN and proposal.submitted_at is None)


# A draft is private to the applying organisation; officers read proposals once submitted.
can_view_proposal = is_proposal_member | (is_programme_officer & proposal_is_submitted)

rules.add_perm("applications.view_proposal", can_view_proposal)
rules.add_perm("applications.change_proposal", is_proposal_member & proposal_is_editable)
rules.add_perm("applications.submit_proposal", is_proposal_member & proposal_can_be_submitted)
rules.add_perm("applications.withdraw_proposal", is_proposal_member & proposal_can_be_withdrawn)
rules.add_perm("applications.view_attachment", can_view_proposal)
