"""Builders shared by the reviewer pool and conflict tests: a Large Scale call with a cut-off,
submitted proposals (status set directly: these tests are about who may see them, not how they
got there), and reviewers in the call's pool with or without the terms accepted."""

from __future__ import annotations

from django.utils import timezone

from applications.models import ProposalStatus
from applications.modes import AccessMode
from reviews.models import PoolMembership
from tests.factories import CallFactory, CutOffFactory, ProposalFactory, ReviewerFactory


def large_scale_cutoff():
    call = CallFactory(mode=AccessMode.LARGE_SCALE, title="Large Scale 2027")
    return CutOffFactory(call=call)


def submitted_proposal(cutoff, **kwargs):
    return ProposalFactory(
        cutoff=cutoff,
        status=ProposalStatus.SUBMITTED,
        submitted_at=timezone.now(),
        reference=kwargs.pop("reference", None),
        **kwargs,
    )


def pool_reviewer(call, *, terms: bool = True, **kwargs):
    reviewer = ReviewerFactory(**kwargs)
    PoolMembership.objects.create(
        call=call, user=reviewer, terms_accepted_at=timezone.now() if terms else None
    )
    return reviewer
