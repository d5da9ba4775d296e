from django.contrib import admin
from django.db import models

from .models import Allocation, CapacityPool, Centre, CentreMembership, Partition


class PartitionInline(admin.TabularInline):
    model = Partition
    extra = 0
    fields = ("system_name", "name", "kind", "unit", "nodes", "is_active")
    show_change_link = True


class CentreMembershipInline(admin.TabularInline):
    model = CentreMembership
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Centre)
class CentreAdmin(admin.ModelAdmin):
    list_display = ("short_name", "name", "city", "country")
    search_fields = ("short_name", "name", "city")
    list_filter = ("country",)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    inlines = (PartitionInline, CentreMembershipInline)


@admin.register(Partition)
class PartitionAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "kind",
        "accelerator_model",
        "accelerators_per_node",
        "cores_per_node",
        "nodes",
        "unit",
        "sustained_tflops_per_accelerator",
        "is_active",
    )
    list_filter = ("centre", "kind", "unit", "is_active")
    search_fields = ("system_name", "name", "accelerator_model", "centre__short_name")
    list_select_related = ("centre",)


@admin.register(CentreMembership)
class CentreMembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "centre", "role")
    list_filter = ("centre", "role")
    search_fields = ("user__email", "user__first_name", "user__last_name", "centre__short_name")
    autocomplete_fields = ("user",)
    list_select_related = ("user", "centre")


@admin.register(CapacityPool)
class CapacityPoolAdmin(admin.ModelAdmin):
    list_display = ("label", "partition", "hours", "starts_on", "ends_on")
    list_filter = ("partition__centre", "partition")
    search_fields = ("label", "partition__system_name", "partition__name")
    list_select_related = ("partition__centre",)
    date_hierarchy = "starts_on"


@admin.register(Allocation)
class AllocationAdmin(admin.ModelAdmin):
    """Read-only: allocations change through the reservation services only, which lock the pool
    and write the activity log."""

    list_display = ("reference", "holder", "pool", "hours", "status", "project_code", "created_at")
    list_filter = ("status", "partition__centre", "partition")
    search_fields = ("reference", "project_code", "holder__legal_name", "pool__label")
    list_select_related = ("holder", "pool__partition")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
