"""Signal receivers of the portal core."""

from allauth.account.signals import email_confirmed, user_logged_in
from django.contrib import messages
from django.dispatch import receiver

from portal.services.organisations import invitations_accept_pending


def _join_invited_organisations(request, user) -> None:
    for membership in invitations_accept_pending(user=user):
        if request is not None:
            messages.success(request, f"You joined {membership.organisation}.")


@receiver(email_confirmed, dispatch_uid="portal_join_on_email_confirmed")
def join_on_email_confirmed(sender, request, email_address, **kwargs):
    """An invitee who signs up joins as soon as they prove they own the invited address."""
    _join_invited_organisations(request, email_address.user)


@receiver(user_logged_in, dispatch_uid="portal_join_on_login")
def join_on_login(sender, request, user, **kwargs):
    """An invitee who already has an account joins when they next log in."""
    _join_invited_organisations(request, user)
