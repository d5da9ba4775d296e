"""Permissions of the evaluation as `rules` predicates, asked by pages and the API alike."""

from __future__ import annotations

import rules

from portal.roles import is_programme_officer


@rules.predicate
def officer_checks_eligibility(user) -> bool:
    # A superuser is not a programme officer by being one.
    return is_programme_officer(user)


# Checking eligibility and keeping each call's checklist are the programme office's work.
rules.add_perm("reviews.check_eligibility", officer_checks_eligibility)
# The officer's workspace (what waits on whom, per call and cut-off), page and API alike.
rules.add_perm("reviews.view_officer_workspace", officer_checks_eligibility)
