"""A peer-reviewed call's settings for its reviewers: how many review each proposal, how many
days they have, and whether they see the other reviews once their own is submitted."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from applications.models import Call
from portal.models import User
from portal.services.activity import activity_record
from reviews.models import PeerReviewSettings

FIELDS = ("reviewers_per_proposal", "review_days", "others_reviews_after_submit")


def peer_review_settings_of(call: Call) -> PeerReviewSettings:
    """The call's settings, or the defaults (unsaved) when it has none."""
    return PeerReviewSettings.objects.filter(call=call).first() or PeerReviewSettings(call=call)


@transaction.atomic
def peer_review_settings_set(
    *,
    call: Call,
    by: User,
    reviewers_per_proposal: int,
    review_days: int,
    others_reviews_after_submit: bool,
) -> PeerReviewSettings:
    """Save the settings. They apply to assignments made from now on: a deadline already set
    stays as it is, so nobody's deadline moves under their feet."""
    if not by.has_perm("reviews.assign_reviewers"):
        raise PermissionDenied
    if not call.is_peer_reviewed:
        raise ValidationError("Only a peer-reviewed call has reviewers.", code="not_peer_reviewed")
    row = PeerReviewSettings.objects.select_for_update().filter(call=call).first()
    row = row or PeerReviewSettings(call=call)
    before = {name: getattr(row, name) for name in FIELDS}
    row.reviewers_per_proposal = reviewers_per_proposal
    row.review_days = review_days
    row.others_reviews_after_submit = others_reviews_after_submit
    row.full_clean(exclude=["call"], validate_unique=False)
    row.save()
    changed = sorted(name for name in FIELDS if before[name] != getattr(row, name))
    if changed:
        activity_record(
            actor=by, verb="call.peer_review_settings", target=call, data={"fields": changed}
        )
    return row
