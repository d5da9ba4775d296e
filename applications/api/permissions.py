"""Object permissions of the API, asked of the same rules (applications.rules) as the pages."""

from __future__ import annotations

from django.http import Http404
from rest_framework.permissions import SAFE_METHODS, BasePermission

VIEW_PROPOSAL = "applications.view_proposal"
CHANGE_PROPOSAL = "applications.change_proposal"
SUBMIT_PROPOSAL = "applications.submit_proposal"
WITHDRAW_PROPOSAL = "applications.withdraw_proposal"

# What the user attempts, per viewset action, on a proposal; reads of anything else need "view".
PROPOSAL_ACTION_PERMISSIONS = {
    "partial_update": (CHANGE_PROPOSAL, "change"),
    "update": (CHANGE_PROPOSAL, "change"),
    "submit": (SUBMIT_PROPOSAL, "submit"),
    "withdraw": (WITHDRAW_PROPOSAL, "withdraw"),
}


def proposal_permission_check(request, proposal, action: str | None) -> str | None:
    """None when allowed, else the reason to give. Raises Http404 for a proposal the user may not
    see at all, so its existence is not revealed."""
    user = request.user
    if not user.has_perm(VIEW_PROPOSAL, proposal):
        raise Http404
    if action in PROPOSAL_ACTION_PERMISSIONS:
        permission, verb = PROPOSAL_ACTION_PERMISSIONS[action]
    elif request.method in SAFE_METHODS:
        return None
    else:
        permission, verb = CHANGE_PROPOSAL, "change"
    if user.has_perm(permission, proposal):
        return None
    return f"You cannot {verb} this proposal while it is {proposal.get_status_display().lower()}."


class ProposalPermission(BasePermission):
    """Delegates to the proposal rules; the object is the proposal the request is about."""

    message = "You cannot do this to this proposal."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated)

    def has_object_permission(self, request, view, obj) -> bool:
        reason = proposal_permission_check(request, obj, getattr(view, "action", None))
        if reason is not None:
            self.message = reason
            return False
        return True
