"""Demo data of the reviewer pool and conflicts of interest, on the Large Scale call: the demo
reviewer (reviewer@demo.example) invited, joined and under the terms, with a profile; another
expert invited and not yet answered; a conflict the reviewer declared with one applying
organisation, and one the portal detected (the reviewer's profile names the mail domain of
another applicant's team), waiting for the officer's decision.

Idempotent: once the demo reviewer was invited to the call, the chapter does nothing."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from applications.demo_clock import demo_moment, office_hours_after
from applications.hooks import submitted_q
from applications.models import Call, CutOff, Proposal
from applications.modes import AccessMode
from applications.working_days import working_calendar
from reviews.models import ConflictType, PoolInvitation
from reviews.services.conflicts import conflict_declare, conflicts_detect, domain_is_organisational
from reviews.services.pool import (
    pool_invitation_accept,
    pool_invite,
    pool_terms_accept,
    reviewer_profile_update,
)

DEMO_REVIEWER_EMAIL = "reviewer@demo.example"
INVITED_EXPERT_EMAIL = "ines.moreau@demo.example"


def _team_domain(proposal: Proposal) -> str:
    for member in proposal.team.select_related("user"):
        domain = member.user.email.rsplit("@", 1)[-1]
        if domain_is_organisational(domain):
            return domain
    return ""


@transaction.atomic
def pool_demo_seed(*, officer) -> None:
    call = Call.objects.filter(mode=AccessMode.LARGE_SCALE).order_by("pk").first()
    reviewer = get_user_model().objects.filter(email=DEMO_REVIEWER_EMAIL).first()
    if call is None or reviewer is None:
        return
    if PoolInvitation.objects.filter(call=call, email=DEMO_REVIEWER_EMAIL).exists():
        return
    proposals = list(
        Proposal.objects.filter(submitted_q(), call=call)
        .select_related("organisation")
        .order_by("submitted_at", "pk")
    )
    # The detected conflict: the reviewer once worked with the first applicant's team.
    detected_on = next((p for p in proposals if _team_domain(p)), None)
    invitation = pool_invite(call=call, by=officer, email=DEMO_REVIEWER_EMAIL)
    pool_invitation_accept(invitation=invitation, user=reviewer)
    pool_terms_accept(call=call, user=reviewer)
    reviewer_profile_update(
        user=reviewer,
        values={
            "expertise_keywords": ["large language models", "distributed training", "MLOps"],
            "expertise_fields": ["Computer science", "Computational linguistics"],
            "affiliation": "Université Grenoble Alpes",
            "email_domains": [_team_domain(detected_on)] if detected_on else [],
            "orcid": "0000-0002-1825-0097",
            "max_load": 6,
        },
        employers=[
            {
                "name": "Inria",
                "registration_number": "",
                "vat_number": "",
                "from_year": 2014,
                "to_year": 2019,
            },
            {
                "name": "Mistral Horizon SAS",
                "registration_number": "",
                "vat_number": "",
                "from_year": 2019,
                "to_year": 2022,
            },
        ],
    )
    pool_invite(call=call, by=officer, email=INVITED_EXPERT_EMAIL)
    # The declared conflict: with another applicant, a competitor of the reviewer's startup.
    declared_on = next((p for p in proposals if p != detected_on), None)
    if declared_on is not None:
        conflict_declare(
            reviewer=reviewer,
            organisation=declared_on.organisation,
            type=ConflictType.COMPETITOR,
            note="I advise a company that builds a competing product.",
        )
    for cutoff_id in sorted({p.cutoff_id for p in proposals}):
        conflicts_detect(cutoff=CutOff.objects.get(pk=cutoff_id), by=officer)


def pool_demo_chapter(*, officer) -> None:
    """The demo's reviewer pool chapter (applications.hooks.demo_chapters), after decisions. The
    officer started the pool a month ago, in office hours (the demo tells a past story), before
    the peer review of reviews.demo_reviews."""
    calendar = working_calendar()
    at = office_hours_after(timezone.now() - timedelta(days=30), hours=2, calendar=calendar)
    with demo_moment(at):
        pool_demo_seed(officer=officer)
