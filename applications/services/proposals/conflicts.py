"""Edits based on a stale version: a draft, a resource request and a team member each carry a
version that every save bumps, so teammates never silently overwrite each other."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError

from applications.selectors.proposals import describe_instant


class EditConflict(ValidationError):  # noqa: N818 - the domain's word for it
    """Raised when an edit is based on an older version than the one stored; nothing is saved.

    Carries who saved the newer version and when, so the page or the API can say so.
    """

    def __init__(
        self,
        *,
        subject: str,
        current_version: int,
        expected_version: int,
        changed_by,
        changed_at,
        viewer=None,
        advice: str = "Reload to see their changes; saving again replaces them.",
    ):
        self.current_version = current_version
        self.expected_version = expected_version
        self.changed_by = changed_by
        self.changed_at = changed_at
        if changed_by is None:
            who = "Someone"
        elif viewer is not None and changed_by.pk == viewer.pk:
            who = "You (in another tab or window)"
        else:
            who = changed_by.display_name
        tz_name = getattr(viewer, "timezone", None) or settings.TIME_ZONE
        when = describe_instant(changed_at, tz_name) if changed_at else "just now"
        super().__init__(
            "Your changes were not saved: %(who)s saved %(subject)s on %(when)s (version "
            "%(current)s; you were editing version %(expected)s). " + advice,
            code="conflict",
            params={
                "who": who,
                "subject": subject,
                "when": when,
                "current": current_version,
                "expected": expected_version,
            },
        )

    @classmethod
    def check(cls, stored, expected_version: int | None, *, subject: str, viewer) -> None:
        """Refuse the edit when `stored` (a row read under lock) moved past `expected_version`.
        None skips the check, for callers that have no version to offer."""
        if expected_version is None or int(expected_version) == stored.version:
            return
        raise cls(
            subject=subject,
            current_version=stored.version,
            expected_version=int(expected_version),
            changed_by=stored.last_edited_by,
            changed_at=stored.updated_at,
            viewer=viewer,
        )


class ProposalConflict(EditConflict):  # noqa: N818
    """A stale edit of the proposal's own fields (its sections)."""

    def __init__(self, *, proposal, expected_version: int, viewer=None):
        super().__init__(
            subject="this proposal",
            current_version=proposal.version,
            expected_version=expected_version,
            changed_by=proposal.last_edited_by,
            changed_at=proposal.updated_at,
            viewer=viewer,
            advice="Reload to see their changes, then make yours again.",
        )
