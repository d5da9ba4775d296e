"""How allauth fits the portal: its mails go through the outbox with the portal's name and public
address, and a login moments ago counts as a recent authentication."""

import hashlib
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.authentication import get_authentication_records
from allauth.utils import build_absolute_uri
from django.conf import settings
from django.http import HttpRequest
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone

from portal.client_address import ProxyAwareClientAddress
from portal.login_limits import FailedLoginLimit
from portal.services.notifications import notification_enqueue

# Links allauth puts in its mails' context, built from the request's host.
MAIL_LINK_KEYS = ("activate_url", "password_reset_url", "signup_url")


@dataclass(frozen=True)
class PortalSite:
    """What allauth's templates call `current_site`. Without django.contrib.sites allauth would
    use the request's host as the site's name ("Hello from 127.0.0.1:8000!")."""

    name: str
    domain: str


def public_url(url: str, request: HttpRequest | None) -> str:
    """`url` (a path, or an absolute URL on whatever host the request came in on) on the address
    the portal is served on: SITE_URL when set, else the request's own host."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    if settings.SITE_URL:
        return settings.SITE_URL.rstrip("/") + path
    return build_absolute_uri(request, path)


class AccountAdapter(FailedLoginLimit, ProxyAwareClientAddress, DefaultAccountAdapter):
    """Routes allauth's own mails (confirmation, password reset...) through the outbox."""

    # allauth's messages that read unlike the portal's ("Please...", "primary").
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "enter_current_password": "Type your current password.",
        "email_password_mismatch": "The email address or the password is not correct.",
        "cannot_remove_primary_email": (
            "Your main address cannot be removed: make another address the main one first."
        ),
        "unverified_primary_email": "Confirm the address before making it your main one.",
        "rate_limited": "Too many requests: wait a moment and try again.",
    }

    def site(self) -> PortalSite:
        base = public_url("/", self.request)
        return PortalSite(name=settings.PORTAL_SITE_NAME, domain=urlsplit(base).netloc)

    def get_email_confirmation_url(self, request, emailconfirmation) -> str:
        return public_url(super().get_email_confirmation_url(request, emailconfirmation), request)

    def get_reset_password_from_key_url(self, key: str) -> str:
        return public_url(super().get_reset_password_from_key_url(key), self.request)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        site = self.site()
        ctx = {
            **context,
            "email": email,
            "current_site": site,
            "site_name": site.name,
            "site_url": public_url("/", self.request).rstrip("/"),
        }
        # The sign-up and reset links of the "unknown account" and "account already exists" mails
        # have no adapter hook of their own.
        for key in MAIL_LINK_KEYS:
            if ctx.get(key):
                ctx[key] = public_url(ctx[key], self.request)
        subject = self.format_email_subject(
            " ".join(render_to_string(f"{template_prefix}_subject.txt", ctx).split())
        )
        text = render_to_string(f"{template_prefix}_message.txt", ctx)
        try:
            html = render_to_string(f"{template_prefix}_message.html", ctx)
        except TemplateDoesNotExist:  # the HTML part is optional; a broken one still raises
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

    def get_reauthentication_methods(self, user) -> list[dict]:
        methods = super().get_reauthentication_methods(user)
        for method in methods:
            if method["id"] == "mfa_reauthenticate":
                method["description"] = "Use your authenticator app or a recovery code"
        return methods

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        """A sensitive step (setting up TOTP, which staff are sent to right after logging in) does
        not ask for the password again when the user authenticated in this session less than
        ACCOUNT_REAUTHENTICATION_TIMEOUT ago. allauth itself only counts explicit
        reauthentications, not the login."""
        if not super().is_reauthentication_required(app=app, **kwargs):
            return False
        return not self._authenticated_recently()

    def _authenticated_recently(self) -> bool:
        request = self.request
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return False
        now = time.time()
        return any(
            now - record.get("at", 0) < account_settings.REAUTHENTICATION_TIMEOUT
            for record in get_authentication_records(request, user)
        )
