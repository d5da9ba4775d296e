from django.contrib import admin

from .models import AssessmentSettings, TechnicalAssessment


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
