"""Permissions of the evaluation as `rules` predicates, asked by pages and the API alike."""

from __future__ import annotations

import rules

from applications.hooks import was_submitted
from portal.roles import is_programme_officer, is_reviewer


@rules.predicate
def officer_checks_eligibility(user) -> bool:
    # A superuser is not a programme officer by being one.
    return is_programme_officer(user)


# Checking eligibility and keeping each call's checklist are the programme office's work.
rules.add_perm("reviews.check_eligibility", officer_checks_eligibility)
# First-come-first-served decisions (award, waitlist, reject) are the programme office's too.
rules.add_perm("reviews.decide", officer_checks_eligibility)
# The officer's workspace (what waits on whom, per call and cut-off), page and API alike.
rules.add_perm("reviews.view_officer_workspace", officer_checks_eligibility)


@rules.predicate
def proposal_was_submitted(user, proposal) -> bool:
    # A draft is its organisation's alone, whoever asks (applications.hooks.submitted_q).
    return was_submitted(proposal)


# The officer's own view of a proposal (organisation facts, every centre's assessment with its
# comment to the panel, the full audit trail): programme officers only, once submitted.
rules.add_perm("reviews.view_proposal_dossier", officer_checks_eligibility & proposal_was_submitted)


@rules.predicate
def holds_reviewer_role(user) -> bool:
    return is_reviewer(user)


# The reviewer's page (assignments, conflicts and deadlines once peer review exists).
rules.add_perm("reviews.view_reviewer_home", holds_reviewer_role)


# --- the reviewer pool and conflicts of interest ------------------------------------------------

# Officers invite to and remove from a call's pool, and decide on detected conflicts.
rules.add_perm("reviews.manage_reviewer_pool", officer_checks_eligibility)
rules.add_perm("reviews.decide_conflict", officer_checks_eligibility)
# A reviewer keeps their own profile and declares their own conflicts.
rules.add_perm("reviews.edit_reviewer_profile", holds_reviewer_role)
rules.add_perm("reviews.declare_conflict", holds_reviewer_role)


@rules.predicate
def may_check_proposal_for_conflicts(user, proposal) -> bool:
    from reviews.selectors.conflicts import proposal_open_to_conflict_check

    return proposal_open_to_conflict_check(reviewer=user, proposal=proposal)


# Seeing a proposal's title and organisation, to confirm no conflict or declare one.
rules.add_perm(
    "reviews.check_proposal_for_conflicts", holds_reviewer_role & may_check_proposal_for_conflicts
)

# --- bids -----------------------------------------------------------------------------------------

# A reviewer bids on exactly the proposals they may check for conflicts: pool, terms, submitted,
# no known conflict.
rules.add_perm("reviews.bid", holds_reviewer_role & may_check_proposal_for_conflicts)

# --- reviewer assignment --------------------------------------------------------------------------

# Running the automatic assignment, applying it, assigning and removing by hand: officers only.
rules.add_perm("reviews.assign_reviewers", officer_checks_eligibility)

# --- reviews -------------------------------------------------------------------------------------


@rules.predicate
def reviews_the_assignment(user, assignment) -> bool:
    """The assignment is the user's, not declined, and they may read the proposal (pool, terms,
    no conflict, confirmed no conflict): the one question for the review page, its autosave,
    the API and the reminders."""
    from reviews.selectors.conflicts import may_read_proposal

    if assignment is None or assignment.reviewer_id != getattr(user, "pk", None):
        return False
    if assignment.is_inactive:
        return False
    return may_read_proposal(user, assignment.proposal)


# Reading and writing one's own review of an assigned proposal (and, once submitted, the others).
rules.add_perm("reviews.write_review", holds_reviewer_role & reviews_the_assignment)
# The review progress of a cut-off (who reviewed what, overdue, reminders): officers only.
rules.add_perm("reviews.view_review_progress", officer_checks_eligibility)


# --- the right of reply -------------------------------------------------------------------------

# Opening the reply for a cut-off and sending proposals to the panel: officers only.
rules.add_perm("reviews.manage_reply", officer_checks_eligibility)


@rules.predicate
def applies_with_proposal(user, proposal) -> bool:
    # Asked of the door's providers: who has left the organisation is out at once.
    from applications.hooks import proposal_actors
    from applications.workflow import Actor

    return proposal is not None and Actor.APPLICANT in proposal_actors(proposal=proposal, user=user)


@rules.predicate
def reply_was_opened(user, proposal) -> bool:
    from applications.models import ProposalReply

    return ProposalReply.objects.filter(proposal=proposal).exists()


# The anonymised reviews and the reply: every member of the applying organisation, once the
# right of reply was opened (and afterwards, to read them again). Staff read the reviews
# elsewhere, with the reviewers' names.
rules.add_perm("reviews.reply_to_reviews", applies_with_proposal & reply_was_opened)


# --- the panel ranking and the funding line -------------------------------------------------------

# Moving proposals, panel notes, closing the panel: the programme office chairs the panel.
rules.add_perm("reviews.manage_panel", officer_checks_eligibility)


@rules.predicate
def reviews_for_cutoffs_call(user, cutoff) -> bool:
    from reviews.selectors.pool import accepted_terms_call_ids

    return cutoff is not None and cutoff.call_id in accepted_terms_call_ids(user=user)


# The ranking table (read only for the panel's reviewers, minus the rows they are conflicted
# with: reviews.selectors.ranking.ranking_table's `hidden_from`).
rules.add_perm(
    "reviews.view_panel_ranking",
    officer_checks_eligibility | (holds_reviewer_role & reviews_for_cutoffs_call),
)
