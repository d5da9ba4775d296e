"""The demo's mail server for an address that does not exist: it answers 550, as a real one
does, on every attempt; every other message goes where the demo's mail goes.

`seed_demo` sends one invitation through it, so the portal's outbox retries that mail and gives it
up the way it would in production, and the site administrator's "Failed work" page has a row.
"""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.base import BaseEmailBackend


class MailboxUnknownBackend(BaseEmailBackend):
    def __init__(self, fail_silently: bool = False, **kwargs):
        super().__init__(fail_silently=fail_silently)
        self.unknown = {address.lower() for address in settings.DEMO_UNKNOWN_MAILBOXES}
        self.delivery = get_connection(
            settings.DEMO_DELIVERY_EMAIL_BACKEND, fail_silently=fail_silently, **kwargs
        )

    def send_messages(self, email_messages):
        for message in email_messages:
            refused = {
                address: (
                    550,
                    f"5.1.1 <{address}>: Recipient address rejected: "
                    "User unknown in virtual mailbox table".encode(),
                )
                for address in message.recipients()
                if address.lower() in self.unknown
            }
            if refused and not self.fail_silently:
                raise smtplib.SMTPRecipientsRefused(refused)
        return self.delivery.send_messages(email_messages)
