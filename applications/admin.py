"""Django admin for site administrators. Officers set up calls in the portal's own pages; the admin
is the fallback for repairs."""

from django.contrib import admin
from django.template.defaultfilters import pluralize

from applications.models import (
    Attachment,
    Call,
    CallPartition,
    CutOff,
    CutOffPool,
    EvaluationCriterion,
    Proposal,
    ReferenceCounter,
    ResourceRequest,
    TeamMember,
)

# --- Calls ------------------------------------------------------------------------------------


class CutOffInline(admin.TabularInline):
    model = CutOff
    extra = 0
    fields = ("at", "closed_at")


class CallPartitionInline(admin.TabularInline):
    model = CallPartition
    extra = 0
    fields = (
        "partition",
        "min_hours",
        "max_hours",
        "pool_hours_per_cutoff",
        "sustained_tflops_per_accelerator",
    )


class EvaluationCriterionInline(admin.TabularInline):
    model = EvaluationCriterion
    extra = 0
    fields = ("position", "name", "weight", "scale_min", "scale_max", "threshold", "description")


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = ("title", "mode", "is_published", "opens_at", "closes_at")
    list_filter = ("mode", "is_published")
    search_fields = ("title", "slug", "summary")
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = ("created_by", "created_at", "updated_at")
    inlines = (CutOffInline, CallPartitionInline, EvaluationCriterionInline)


@admin.register(CutOffPool)
class CutOffPoolAdmin(admin.ModelAdmin):
    list_display = ("cutoff", "offered_partition", "pool")
    list_select_related = ("cutoff__call", "offered_partition__partition__centre", "pool")
    list_filter = ("cutoff__call",)


# --- Proposals --------------------------------------------------------------------------------
# Read-only: applicants edit drafts through the portal, whose services check state, permission
# and versions and write the activity log; nobody edits a submitted proposal, not even here.
# The admin shows everything and offers one repair: queue a failed proposal PDF again.


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TeamMemberInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = TeamMember
    extra = 0
    fields = ("user", "role", "expertise", "cv")
    raw_id_fields = ("user",)


class ResourceRequestInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ResourceRequest
    extra = 0
    fields = ("offered_partition", "hours", "job_size", "storage_tb", "duration_months")


class AttachmentInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Attachment
    extra = 0
    fields = ("kind", "original_name", "size_bytes", "uploaded_by", "uploaded_at")
    readonly_fields = fields
    can_delete = False


@admin.register(Proposal)
class ProposalAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "__str__",
        "organisation",
        "call",
        "status",
        "cutoff",
        "submitted_at",
        "pdf_status",
    )
    list_filter = ("status", "pdf_status", "call__mode", "call")
    list_select_related = ("organisation", "call", "cutoff__call")
    search_fields = ("reference", "title", "acronym", "organisation__legal_name")
    raw_id_fields = ("created_by", "pi", "last_edited_by")
    readonly_fields = (
        "reference",
        "version",
        "created_at",
        "updated_at",
        "submitted_at",
        "withdrawn_at",
        "pdf_status",
        "pdf_attempts",
        "pdf_error",
        "pdf_rendered_at",
    )
    inlines = (TeamMemberInline, ResourceRequestInline, AttachmentInline)
    actions = ("queue_pdf_again",)

    @admin.action(description="Render the PDF again (failed or pending PDFs)")
    def queue_pdf_again(self, request, queryset):
        from applications.services.proposals import proposal_pdf_retry

        count = 0
        for proposal in queryset.exclude(reference=None):
            proposal_pdf_retry(proposal=proposal, by=request.user)
            count += 1
        self.message_user(request, f"{count} proposal PDF{pluralize(count)} queued.")


@admin.register(ReferenceCounter)
class ReferenceCounterAdmin(admin.ModelAdmin):
    list_display = ("prefix", "last")
    readonly_fields = ("prefix", "last")
