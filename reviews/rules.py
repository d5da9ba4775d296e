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
