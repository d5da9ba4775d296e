"""Django admin for site administrators. Officers set up calls in the portal's own pages; the admin
is the fallback for repairs."""

from django.contrib import admin

from applications.models import Call, CallPartition, CutOff, CutOffPool, EvaluationCriterion

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
# (proposal admin goes here)
