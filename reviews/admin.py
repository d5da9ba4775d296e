from django.contrib import admin

from .models import (
    AssessmentSettings,
    DeclaredConflict,
    DetectedConflict,
    PoolInvitation,
    PoolMembership,
    TechnicalAssessment,
)


@admin.register(AssessmentSettings)
class AssessmentSettingsAdmin(admin.ModelAdmin):
    """Per call, the working days the centres have to assess (5 without a row)."""

    list_display = ("call", "working_days")
    autocomplete_fields = ("call",)


@admin.register(TechnicalAssessment)
class TechnicalAssessmentAdmin(admin.ModelAdmin):
    """Read only: assessments are opened by eligibility and written by their centre's assessors
    through the service (with the activity log), never edited here."""

    list_display = ("proposal", "centre", "status", "outcome", "deadline", "submitted_at")
    list_filter = ("status", "outcome", "centre")
    search_fields = ("proposal__reference", "proposal__title")
    list_select_related = ("proposal", "centre")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Written by their services (with the activity log and the mails), read here only."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PoolInvitation)
class PoolInvitationAdmin(ReadOnlyAdmin):
    list_display = ("email", "call", "status", "user", "created_at", "answered_at")
    list_filter = ("status",)
    search_fields = ("email", "call__title")
    list_select_related = ("call", "user")
    exclude = ("token",)  # the link in the mail lets its holder answer


@admin.register(PoolMembership)
class PoolMembershipAdmin(ReadOnlyAdmin):
    list_display = ("user", "call", "joined_at", "terms_accepted_at")
    search_fields = ("user__email", "call__title")
    list_select_related = ("call", "user")


@admin.register(DeclaredConflict)
class DeclaredConflictAdmin(ReadOnlyAdmin):
    list_display = ("reviewer", "organisation", "proposal", "type", "declared_at")
    list_filter = ("type",)
    list_select_related = ("reviewer", "organisation", "proposal")


@admin.register(DetectedConflict)
class DetectedConflictAdmin(ReadOnlyAdmin):
    list_display = ("proposal", "reviewer", "rule", "status", "is_current", "decided_at")
    list_filter = ("rule", "status", "is_current")
    search_fields = ("proposal__reference", "reviewer__email")
    list_select_related = ("proposal", "reviewer")
