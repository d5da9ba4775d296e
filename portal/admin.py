"""Django admin for site administrators. Day-to-day work happens in the portal's own pages."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db import models
from django.template.defaultfilters import pluralize

from portal.models import Activity, Invitation, Membership, Notification, Organisation, User
from portal.services.notifications import notification_requeue

# Name the admin after the portal, so a site administrator knows where they are.
admin.site.site_header = "Compute Access Portal administration"
admin.site.site_title = "Compute Access Portal admin"
admin.site.index_title = "Site administration"


class PortalUserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class PortalUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = PortalUserChangeForm
    add_form = PortalUserCreationForm
    ordering = ("email",)
    list_display = ("email", "first_name", "last_name", "is_active", "is_staff", "last_login")
    list_filter = ("is_active", "is_staff", "is_superuser", "groups")
    search_fields = ("email", "first_name", "last_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Person", {"fields": ("first_name", "last_name", "timezone")}),
        (
            "Roles and permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)


class PendingInvitationInline(admin.TabularInline):
    model = Invitation
    extra = 0
    fields = ("email", "status", "invited_by", "created_at")
    readonly_fields = ("invited_by", "created_at")


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("legal_name", "country", "registration_number", "vat_number", "kind_label")
    list_filter = ("country",)
    search_fields = ("legal_name", "registration_number", "vat_number", "members__email")
    inlines = (MembershipInline, PendingInvitationInline)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    @admin.display(description="Kind")
    def kind_label(self, obj: Organisation) -> str:
        return obj.get_kind_display()


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("email", "organisation", "status", "invited_by", "created_at", "accepted_at")
    list_filter = ("status",)
    search_fields = ("email", "organisation__legal_name")
    list_select_related = ("organisation", "invited_by")
    readonly_fields = ("token", "created_at", "accepted_at", "accepted_by")


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    """The activity log is evidence: it can be read and searched, never edited."""

    list_display = ("created_at", "actor", "verb", "object_repr", "from_state", "to_state")
    list_filter = ("verb", "content_type")
    search_fields = ("verb", "object_repr", "actor__email")
    list_select_related = ("actor",)
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "to_email", "subject", "status", "attempts", "sent_at")
    list_filter = ("status", "template")
    search_fields = ("to_email", "subject", "idempotency_key")
    list_select_related = ("recipient",)
    readonly_fields = [f.name for f in Notification._meta.fields]
    actions = ("requeue",)

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Re-queue the selected failed notifications")
    def requeue(self, request, queryset):
        failed = queryset.filter(status=Notification.Status.FAILED)
        count = 0
        for notification in failed:
            if notification_requeue(notification=notification).status == (
                Notification.Status.QUEUED
            ):
                count += 1
        skipped = queryset.count() - count
        self.message_user(
            request, f"{count} notification{pluralize(count)} re-queued.", messages.SUCCESS
        )
        if skipped:
            self.message_user(
                request,
                f"{skipped} notification{pluralize(skipped)} {pluralize(skipped, 'was,were')} "
                f"not failed and {pluralize(skipped, 'was,were')} left as "
                f"{pluralize(skipped, 'it is,they are')}.",
                messages.WARNING,
            )
