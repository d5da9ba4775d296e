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
