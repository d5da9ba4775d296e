"""Receivers of the proposal's door."""

import logging

from applications.models import ProposalStatus

logger = logging.getLogger(__name__)


def open_assessments_on_eligibility(sender, proposal, transition, **kwargs) -> None:
    """An eligible proposal gets one technical assessment per request; on the first-come-first-
    served path the portal then takes it into technical assessment itself (the peer-review path
    waits for the officer, who assigns reviewers first). This runs after the commit: a failure
    here must not fail the officer's request, and the periodic sweep repeats what it missed."""
    if transition.target != ProposalStatus.ELIGIBLE:
        return
    from reviews.services.assessments import assessments_open, review_start_if_fcfs

    try:
        assessments_open(proposal=proposal)
        review_start_if_fcfs(proposal=proposal)
    except Exception:
        logger.exception(
            "Technical assessments of proposal %s not opened; the sweep retries", proposal.pk
        )


def _join_reviewer_pools(request, user) -> None:
    from django.contrib import messages

    from reviews.services.pool import pool_invitations_join

    for membership in pool_invitations_join(user=user):
        if request is not None:
            messages.success(request, f"You joined the reviewer pool of {membership.call}.")


def join_pools_on_email_confirmed(sender, request, email_address, **kwargs) -> None:
    """An invited reviewer who signs up joins the call's pool once they prove the address."""
    _join_reviewer_pools(request, email_address.user)


def join_pools_on_login(sender, request, user, **kwargs) -> None:
    """An invited reviewer who already has an account joins when they next log in."""
    _join_reviewer_pools(request, user)
