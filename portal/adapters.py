import hashlib

from allauth.account.adapter import DefaultAccountAdapter
from django.template.loader import render_to_string
from django.utils import timezone

from portal.client_address import ProxyAwareClientAddress
from portal.login_limits import FailedLoginLimit
from portal.services.notifications import notification_enqueue


class AccountAdapter(FailedLoginLimit, ProxyAwareClientAddress, DefaultAccountAdapter):
    """Routes allauth's own mails (confirmation, password reset...) through the outbox."""

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        ctx = {**context, "email": email}
        subject = self.format_email_subject(
            " ".join(render_to_string(f"{template_prefix}_subject.txt", ctx).split())
        )
        text = render_to_string(f"{template_prefix}_message.txt", ctx)
        try:
            html = render_to_string(f"{template_prefix}_message.html", ctx)
        except Exception:  # allauth ships text templates; an HTML one is optional  # noqa: BLE001
            html = ""
        user = context.get("user")
        # Each allauth mail is a distinct event: key on its content and time so retries of the same
        # render are not doubled while a second "resend" still goes out.
        digest = hashlib.sha256(f"{email}|{subject}|{text}".encode()).hexdigest()[:32]
        notification_enqueue(
            to_email=email,
            recipient=user if getattr(user, "pk", None) else None,
            template=template_prefix,
            context={"email": email},
            rendered=(subject, text, html),
            idempotency_key=f"allauth:{template_prefix}:{digest}:{timezone.now():%Y%m%d%H%M%S%f}",
            show_in_portal=False,
        )
