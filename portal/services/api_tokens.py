"""API tokens: one per user, for scripts and centre systems calling the REST API."""

from __future__ import annotations

from django.db import transaction
from rest_framework.authtoken.models import Token

from portal.services.activity import activity_record


@transaction.atomic
def api_token_issue(*, user) -> Token:
    """A fresh token for `user`; any earlier token stops working at once."""
    replaced = Token.objects.filter(user=user).delete()[0] > 0
    token = Token.objects.create(user=user)
    activity_record(actor=user, verb="api_token.issue", target=user, data={"replaced": replaced})
    return token


@transaction.atomic
def api_token_revoke(*, user) -> bool:
    """Delete the user's token; False when there was none."""
    deleted = Token.objects.filter(user=user).delete()[0] > 0
    if deleted:
        activity_record(actor=user, verb="api_token.revoke", target=user)
    return deleted
