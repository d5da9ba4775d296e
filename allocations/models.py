from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models

from portal.countries import COUNTRY_CHOICES

from . import units
from .units import Unit


class Centre(models.Model):
    """A hosting centre (BSC, CSC, CINECA, JSC, LuxProvide, IT4I...)."""

    name = models.CharField(max_length=200)
    short_name = models.CharField(max_length=20, unique=True)
    city = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=2, choices=COUNTRY_CHOICES)
    website = models.URLField(blank=True)

    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="CentreMembership", related_name="centres"
    )

    class Meta:
        ordering = ["short_name"]

    def __str__(self) -> str:
        return self.short_name


class CentreMembership(models.Model):
    """A person working for a centre, as technical assessor and/or centre administrator."""

    class Role(models.TextChoices):
        TECHNICAL_ASSESSOR = "technical_assessor", "Technical assessor"
        CENTRE_ADMINISTRATOR = "centre_administrator", "Centre administrator"

    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="centre_memberships"
    )
    role = models.CharField(max_length=30, choices=Role.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["centre", "user", "role"], name="unique_centre_role")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} at {self.centre}"


class Partition(models.Model):
    """A partition of a system, with the hardware facts that conversions and sizing need."""

    class Kind(models.TextChoices):
        GPU = "gpu", "GPU"
        CPU = "cpu", "CPU"

    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="partitions")
    system_name = models.CharField(max_length=100, help_text="e.g. MareNostrum 5")
    name = models.CharField(max_length=100, help_text="e.g. ACC")
    kind = models.CharField(max_length=3, choices=Kind.choices)
    accelerator_model = models.CharField(max_length=100, blank=True)
    # The accelerator a GPU-hour is counted on. On LUMI-G that is the MI250X module, which the
    # software sees as two devices (GCDs); `devices_per_accelerator` keeps both counts readable.
    accelerators_per_node = models.PositiveSmallIntegerField(default=0)
    devices_per_accelerator = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1)],
        help_text="Devices the software sees per accelerator (2 for an AMD MI250X: two GCDs).",
    )
    accelerator_memory_gb = models.PositiveSmallIntegerField(
        default=0, help_text="Memory per accelerator, in GB."
    )
    cores_per_node = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    nodes = models.PositiveIntegerField(default=0, help_text="Nodes in the partition.")
    unit = models.CharField(max_length=12, choices=Unit.choices)
    # Default for the GPU-hours estimator: a realistic sustained (not peak) dense BF16/FP16
    # throughput per accelerator for large-model training, in TFLOP/s.
    sustained_tflops_per_accelerator = models.DecimalField(
        max_digits=7,
        decimal_places=1,
        default=Decimal("0"),
        validators=[MinValueValidator(0)],
        help_text="Sustained TFLOP/s per accelerator assumed by the estimator.",
    )
    notes = models.CharField(max_length=255, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["centre__short_name", "system_name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["centre", "system_name", "name"], name="unique_partition_per_centre"
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="gpu") | models.Q(accelerators_per_node__gte=1),
                name="gpu_partition_has_accelerators",
            ),
            models.CheckConstraint(
                condition=~models.Q(unit="gpu_hours") | models.Q(kind="gpu"),
                name="gpu_hours_only_on_gpu_partitions",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.system_name} {self.name} ({self.centre.short_name})"

    @property
    def is_gpu(self) -> bool:
        return self.kind == self.Kind.GPU

    @property
    def unit_label(self) -> str:
        return Unit(self.unit).label

    @property
    def devices_per_node(self) -> int:
        """GPUs as the software counts them (8 on a LUMI-G node, 4 on MareNostrum 5 ACC)."""
        return self.accelerators_per_node * self.devices_per_accelerator

    @property
    def hardware_summary(self) -> str:
        if self.is_gpu:
            devices = f" ({self.devices_per_node} GCDs)" if self.devices_per_accelerator > 1 else ""
            return (
                f"{self.accelerators_per_node}x {self.accelerator_model} per node{devices}, "
                f"{self.cores_per_node} cores"
            )
        return f"{self.cores_per_node} cores per node"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.kind == self.Kind.GPU:
            if not self.accelerators_per_node:
                errors["accelerators_per_node"] = "A GPU partition has at least one accelerator."
            if not self.accelerator_model:
                errors["accelerator_model"] = "Name the accelerator, e.g. NVIDIA H100 64 GB."
        elif self.kind == self.Kind.CPU:
            if self.accelerators_per_node:
                errors["accelerators_per_node"] = "A CPU partition has no accelerators: enter 0."
            if self.unit == Unit.GPU_HOURS:
                errors["unit"] = "A CPU partition cannot account in GPU-hours."
        if errors:
            raise ValidationError(errors)

    # Conversions live in allocations.units; these are conveniences for templates and callers.
    def to_node_hours(self, hours, unit: str | None = None) -> Decimal:
        return units.to_node_hours(self, hours, unit)

    def from_node_hours(self, node_hours, unit: str | None = None) -> Decimal:
        return units.from_node_hours(self, node_hours, unit)

    def convert(self, hours, from_unit: str | None = None, to_unit: str | None = None) -> Decimal:
        return units.convert(self, hours, from_unit, to_unit)

    def estimate_hours(self, **inputs) -> units.ComputeEstimate:
        return units.estimate_hours(self, **inputs)


class CapacityPool(models.Model):
    """Hours of one partition set aside for a period or a call's cut-off, in the partition's unit.

    Grants draw from a pool; the sum of reserved and active grants never exceeds `hours`.
    """

    partition = models.ForeignKey(Partition, on_delete=models.PROTECT, related_name="pools")
    label = models.CharField(max_length=200)
    hours = models.DecimalField(max_digits=14, decimal_places=2, validators=[MinValueValidator(0)])
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["partition", "label"]

    def __str__(self) -> str:
        return f"{self.label}: {self.hours} {self.partition.unit_label}"

    def clean(self) -> None:
        # The site admin's form asks this too: a pool is never made smaller than what it holds.
        if self.pk is not None and self.hours is not None:
            held = self.held_hours()
            if self.hours < held:
                raise ValidationError(
                    {
                        "hours": f"{units.hours_text(held, self.partition.unit)} are held in "
                        "this pool: it cannot have fewer hours."
                    }
                )

    def held_hours(self) -> Decimal:
        """Hours the pool holds for its allocations (all but released ones)."""
        held = self.allocations.exclude(status=Allocation.Status.RELEASED).aggregate(
            held=models.Sum("hours")
        )["held"]
        return held or Decimal(0)


class Allocation(models.Model):
    """Hours of a capacity pool held for an organisation, under the reference of whatever decided
    it (an award, say). The hosting side knows the holder, the pool and the hours, never why.

    Reserved when a decision is made, active once accepted (with a project code), then expired or
    closed; suspended and back; released when the hours go back to the pool. Every state but
    released counts against the pool (allocations.states). The hours ledger will record grants,
    usage and adjustments against an allocation; its balance will be derived from the ledger, so
    nothing here stores one.
    """

    class Status(models.TextChoices):
        RESERVED = "reserved", "Reserved"
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"
        EXPIRED = "expired", "Expired"
        CLOSED = "closed", "Closed"
        RELEASED = "released", "Released"

    reference = models.CharField(
        max_length=64,
        unique=True,
        help_text="The caller's key for this holding (e.g. an award's reference): "
        "reserving under the same reference again changes nothing.",
    )
    pool = models.ForeignKey(CapacityPool, on_delete=models.PROTECT, related_name="allocations")
    # The pool's partition, kept on the row: usage and project codes are per partition.
    partition = models.ForeignKey(Partition, on_delete=models.PROTECT, related_name="allocations")
    holder = models.ForeignKey(
        "portal.Organisation", on_delete=models.PROTECT, related_name="allocations"
    )
    hours = models.DecimalField(
        max_digits=14, decimal_places=2, help_text="In the partition's unit."
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RESERVED)
    # Issued when the allocation becomes active; unique among those that have one.
    project_code = models.CharField(max_length=40, blank=True)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    reason = models.CharField(
        max_length=500, blank=True, help_text="Why it was last released, suspended or closed."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    status_changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pool", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(hours__gt=0), name="allocation_hours_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    status__in=["reserved", "active", "suspended", "expired", "closed", "released"]
                ),
                name="allocation_status_known",
            ),  # fmt: skip
            models.UniqueConstraint(
                fields=["project_code"],
                condition=~models.Q(project_code=""),
                name="unique_allocation_project_code",
            ),
        ]
        # The pool's figures sum hours by status, one pool or a page of pools at a time.
        indexes = [models.Index(fields=["pool", "status"], name="allocation_pool_status")]

    def __str__(self) -> str:
        return f"{self.reference}: {self.hours} {self.partition.unit_label} ({self.status})"
