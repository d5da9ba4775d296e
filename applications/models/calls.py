from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from allocations.models import CapacityPool, Partition
from applications.modes import AccessMode, EvaluationPath, defaults_for
from portal.models import OrganisationKind
from portal.validators import (
    LONG_TEXT_MAX_CHARS,
    SHORT_TEXT_MAX_CHARS,
    JSONLimitsValidator,
    text_validators,
)

# A call's lists (durations, countries, organisation kinds) are flat and short.
CALL_LIST_LIMITS = JSONLimitsValidator(max_bytes=4_000, max_depth=1)


def default_countries() -> list[str]:
    from portal.countries import PARTICIPATING_COUNTRIES

    return sorted(PARTICIPATING_COUNTRIES)


def default_organisation_kinds() -> list[str]:
    return [OrganisationKind.STARTUP, OrganisationKind.SME]


class Call(models.Model):
    """An access call in one mode, open between two dates, with one or more cut-offs."""

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    mode = models.CharField(max_length=20, choices=AccessMode.choices)
    summary = models.CharField(max_length=300, help_text="One line shown in call lists.")
    description = models.TextField(
        max_length=LONG_TEXT_MAX_CHARS,
        validators=text_validators(LONG_TEXT_MAX_CHARS),
        help_text="What the call offers and to whom (plain text).",
    )
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    display_timezone = models.CharField(
        "time zone",
        max_length=64,
        default="Europe/Brussels",
        help_text="Zone the call's deadlines are announced in (cut-offs are stored in UTC).",
    )
    # Per-call copies of the mode defaults (applications.modes.MODE_DEFAULTS).
    durations_months = models.JSONField(
        default=list, validators=[CALL_LIST_LIMITS], help_text="Allowed durations in months."
    )
    days_to_access = models.PositiveSmallIntegerField(default=10)
    eligible_countries = models.JSONField(default=default_countries, validators=[CALL_LIST_LIMITS])
    eligible_organisation_kinds = models.JSONField(
        default=default_organisation_kinds, validators=[CALL_LIST_LIMITS]
    )
    one_open_proposal_per_cutoff = models.BooleanField(
        default=True, help_text="An organisation may have one open proposal per cut-off."
    )
    abstract_max_chars = models.PositiveIntegerField(default=2000)
    right_of_reply = models.BooleanField(
        default=False,
        help_text="Peer-reviewed calls: applicants may answer the reviews before the panel.",
    )
    reply_word_limit = models.PositiveSmallIntegerField(
        default=500,
        validators=[MinValueValidator(50), MaxValueValidator(3000)],
        help_text="Most words an applicant's reply to the reviews may have.",
    )
    reply_working_days = models.PositiveSmallIntegerField(
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text="Working days applicants have to reply, from when the right of reply opens.",
    )
    reply_shows_scores = models.BooleanField(
        default=False,
        help_text="Applicants see the reviewers' scores with their comments (never who they are).",
    )
    is_published = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    partitions = models.ManyToManyField(Partition, through="CallPartition", related_name="calls")

    class Meta:
        ordering = ["-opens_at", "title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")),
                name="call_closes_after_opening",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("applications:call_detail", kwargs={"slug": self.slug})

    @property
    def evaluation_path(self) -> str:
        return defaults_for(self.mode).path

    @property
    def is_peer_reviewed(self) -> bool:
        return self.evaluation_path == EvaluationPath.PEER_REVIEW

    @property
    def mode_code(self) -> str:
        return defaults_for(self.mode).code


class CutOff(models.Model):
    """A submission deadline of a call, in UTC. Drafts not submitted roll over to the next one."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="cutoffs")
    at = models.DateTimeField(help_text="Deadline, stored in UTC.")
    closed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the cut-off was processed (drafts rolled over)."
    )
    # Proposals ever submitted at this cut-off (what the officer's list shows), kept by
    # proposal_submit so that the list need not count its rows. See CutOffDemand.
    submitted_count = models.IntegerField(default=0, editable=False)

    class Meta:
        ordering = ["at"]
        constraints = [models.UniqueConstraint(fields=["call", "at"], name="unique_cutoff_time")]

    def __str__(self) -> str:
        return f"{self.call} — {self.at:%Y-%m-%d %H:%M} UTC"


class CallPartition(models.Model):
    """A partition offered by a call, with the request limits in the partition's unit."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="offered_partitions")
    partition = models.ForeignKey(Partition, on_delete=models.PROTECT, related_name="+")
    min_hours = models.DecimalField(
        max_digits=12, decimal_places=0, validators=[MinValueValidator(0)]
    )
    max_hours = models.DecimalField(
        max_digits=12,
        decimal_places=0,
        null=True,
        blank=True,
        help_text="Leave empty for no upper limit.",
    )
    sustained_tflops_per_accelerator = models.DecimalField(
        max_digits=7,
        decimal_places=1,
        null=True,
        blank=True,
        help_text="Estimator default for this call; empty uses the partition's own.",
    )
    pool_hours_per_cutoff = models.DecimalField(
        max_digits=14,
        decimal_places=0,
        default=0,
        validators=[MinValueValidator(0)],
        help_text="Capacity pool given to each new cut-off, in the partition's unit.",
    )

    class Meta:
        ordering = ["partition__centre__short_name", "partition__system_name"]
        constraints = [
            models.UniqueConstraint(fields=["call", "partition"], name="unique_offered_partition")
        ]

    def __str__(self) -> str:
        return f"{self.partition} in {self.call}"

    @property
    def estimator_tflops(self) -> Decimal:
        return (
            self.sustained_tflops_per_accelerator or self.partition.sustained_tflops_per_accelerator
        )


class CutOffPool(models.Model):
    """The capacity pool (allocations) an offered partition draws from at one cut-off."""

    cutoff = models.ForeignKey(CutOff, on_delete=models.CASCADE, related_name="pools")
    offered_partition = models.ForeignKey(
        CallPartition, on_delete=models.CASCADE, related_name="cutoff_pools"
    )
    pool = models.OneToOneField(CapacityPool, on_delete=models.PROTECT, related_name="cutoff_pool")

    class Meta:
        verbose_name = "cut-off pool"
        constraints = [
            models.UniqueConstraint(
                fields=["cutoff", "offered_partition"], name="one_pool_per_cutoff_partition"
            )
        ]

    def __str__(self) -> str:
        return f"{self.pool} at {self.cutoff}"


class CutOffClockCount(models.Model):
    """How many of a cut-off's proposals share one time-to-access clock: the programme's day of
    submission, the day of decision (if any) and whether the proposal is decided. The officer's
    cut-off view folds these few rows into its time-to-access figures instead of grouping every
    proposal on each view. Kept in step by the one door for state changes
    (applications.services.proposals.demand); `cutoff_counts_rebuild` recomputes them."""

    cutoff = models.ForeignKey(CutOff, on_delete=models.CASCADE, related_name="clock_counts")
    # "<submitted_on>|<decided_on or ->|<0 or 1>": one row per clock, without a NULL in the key.
    key = models.CharField(max_length=32)
    submitted_on = models.DateField()
    decided_on = models.DateField(null=True, blank=True)
    decided = models.BooleanField(default=False)
    proposal_count = models.IntegerField(default=0)

    class Meta:
        verbose_name = "cut-off clock count"
        constraints = [
            models.UniqueConstraint(fields=["cutoff", "key"], name="one_clock_row_per_cutoff_key")
        ]

    def __str__(self) -> str:
        return f"{self.cutoff_id}: {self.key} x {self.proposal_count}"


class CutOffWaitingCount(models.Model):
    """How many of a cut-off's proposals share what they wait on, their status, and who they
    wait for (applications.models.WaitingOn, `Proposal.waiting_on` and `waiting_for`). The
    officer's workspace sums these few rows per cut-off instead of counting every proposal on each
    view. Kept in step with the kept columns by the door and by `proposals_waiting_refresh`
    (applications.services.proposals.waiting); `cutoff_counts_rebuild` recomputes them. Proposals
    that wait on nothing (drafts, withdrawn) are not counted."""

    cutoff = models.ForeignKey(CutOff, on_delete=models.CASCADE, related_name="waiting_counts")
    waiting_on = models.CharField(max_length=20)
    status = models.CharField(max_length=20)
    waiting_for = models.CharField(max_length=200, blank=True)
    proposal_count = models.IntegerField(default=0)

    class Meta:
        verbose_name = "cut-off waiting count"
        constraints = [
            models.UniqueConstraint(
                fields=["cutoff", "waiting_on", "status", "waiting_for"],
                name="one_waiting_row_per_cutoff_key",
            )
        ]

    def __str__(self) -> str:
        who = f" for {self.waiting_for}" if self.waiting_for else ""
        return f"{self.cutoff_id}: {self.waiting_on} ({self.status}){who} x {self.proposal_count}"


class CutOffDemand(models.Model):
    """Hours requested on one offered partition at one cut-off by the proposals that count as
    demand (applications.workflow.demand_statuses), and how many proposals ask for it.

    Kept in step, in the same transaction, by the services that change a proposal's status or a
    counted request (applications.services.proposals.demand), so the officer's cut-off view reads
    a row per partition instead of aggregating every request. Signed on purpose: bookkeeping must
    never refuse a user's write; `cutoff_demand_rebuild` recomputes the rows from the requests.
    """

    cutoff = models.ForeignKey(CutOff, on_delete=models.CASCADE, related_name="demand")
    offered_partition = models.ForeignKey(
        CallPartition, on_delete=models.CASCADE, related_name="demand"
    )
    requested_hours = models.DecimalField(max_digits=16, decimal_places=0, default=0)
    proposal_count = models.IntegerField(default=0)

    class Meta:
        verbose_name = "cut-off demand"
        constraints = [
            models.UniqueConstraint(
                fields=["cutoff", "offered_partition"], name="one_demand_row_per_cutoff_partition"
            )
        ]

    def __str__(self) -> str:
        return f"{self.requested_hours} h on {self.offered_partition_id} at {self.cutoff_id}"


class EvaluationCriterion(models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(max_length=120)
    description = models.TextField(
        blank=True,
        max_length=SHORT_TEXT_MAX_CHARS,
        validators=text_validators(SHORT_TEXT_MAX_CHARS),
    )
    weight = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("1"), validators=[MinValueValidator(0)]
    )
    scale_min = models.PositiveSmallIntegerField(default=0)
    scale_max = models.PositiveSmallIntegerField(default=5)
    threshold = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["call", "position", "id"]
        verbose_name_plural = "evaluation criteria"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scale_max__gt=models.F("scale_min")),
                name="criterion_scale_order",
            )
        ]

    def __str__(self) -> str:
        return self.name
