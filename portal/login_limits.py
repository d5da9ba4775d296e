"""The failed-login limit counts failures only.

allauth records every login attempt against the "login_failed" limit before checking the password
and takes the record back when the password was right. Correct logins still in progress therefore
count as failures: 20 people behind one address logging in at once were refused. Here an attempt
only checks the limit, and a failure is recorded once the password turned out wrong. Wrong guesses
sent at the same instant can pass the check together before any is recorded; the "login" limit per
address (ACCOUNT_RATE_LIMITS) still bounds them.

allauth also refuses an attempt when it cannot take the lock on its counter within a second: under a
burst of logins from one address (an office behind one NAT) a busy server refused correct
passwords. It waits up to five seconds here; the lock is held for a few cache calls.
"""

from __future__ import annotations

from typing import Any

from allauth.core import ratelimit
from allauth.core.internal import ratelimit as ratelimit_internals
from django.http import HttpRequest


class FailedLoginLimit:
    """Mixin for the account adapter (before allauth's DefaultAccountAdapter)."""

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        key = self._get_login_attempts_cache_key(request, **credentials)
        if not ratelimit.consume(request, action="login_failed", key=key, dry_run=True):
            raise self.validation_error("too_many_login_attempts")
        # Nothing was recorded, so allauth has nothing to take back after a correct password.
        self._login_failed_rl_usage = None

    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        key = self._get_login_attempts_cache_key(request, **credentials)
        ratelimit.consume(request, action="login_failed", key=key)
        super().authentication_failed(request, **credentials)


RATE_LIMIT_LOCK_WAIT_SECONDS = 5


def wait_longer_for_rate_limit_locks() -> None:
    # allauth has no setting for this wait; its module constant is read on every call.
    if not hasattr(ratelimit_internals, "CACHE_LOCK_WAIT_TIMEOUT"):
        raise ImportError("allauth's rate limit lock changed; review portal/login_limits.py")
    ratelimit_internals.CACHE_LOCK_WAIT_TIMEOUT = RATE_LIMIT_LOCK_WAIT_SECONDS
