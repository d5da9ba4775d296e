"""The Django admin is the one place where the superuser flag counts.

Everywhere else the portal's permissions are its rules, which grant nothing for being a superuser
(portal.models.accounts.User.has_perm). The admin asks Django's model permissions instead: this
site marks the user of each admin request, and `has_perm` then answers as Django does, through
`User.has_model_perm`.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig


class PortalAdminSite(AdminSite):
    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        @wraps(view)
        def with_model_permissions(request, *args, **kwargs):
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                user.asks_model_permissions = True
            return inner(request, *args, **kwargs)

        return with_model_permissions


class PortalAdminConfig(AdminConfig):
    default_site = "portal.admin_site.PortalAdminSite"
