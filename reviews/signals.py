"""Receivers of the proposal's door."""

from applications.models import ProposalStatus


def open_assessments_on_eligibility(sender, proposal, transition, **kwargs) -> None:
    """An eligible proposal gets one technical assessment per request (after the commit; the
    periodic sweep opens any this missed)."""
    if transition.target != ProposalStatus.ELIGIBLE:
        return
    from reviews.services.assessments import assessments_open

    assessments_open(proposal=proposal)
