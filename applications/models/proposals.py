from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from portal.models import Organisation
from portal.validators import (
    LONG_TEXT_MAX_CHARS,
    MEDIUM_TEXT_MAX_CHARS,
    SHORT_TEXT_MAX_CHARS,
    JSONLimitsValidator,
    text_validators,
)

from .calls import Call, CallPartition, CutOff

KEYWORD_LIST_LIMITS = JSONLimitsValidator(max_bytes=2_000, max_depth=1)


class ProposalStatus(models.TextChoices):
    """Every state a proposal can be in (DESIGN.md). Transitions live in applications.workflow."""

    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    ELIGIBLE = "eligible", "Eligible"
    INELIGIBLE = "ineligible", "Ineligible"
    IN_REVIEW = "in_review", "In review"
    IN_REPLY = "in_reply", "Right of reply"
    IN_PANEL = "in_panel", "In panel"
    AWARDED = "awarded", "Awarded"
    WAITLISTED = "waitlisted", "Waitlisted"
    REJECTED = "rejected", "Rejected"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    LAPSED = "lapsed", "Lapsed"
    WITHDRAWN = "withdrawn", "Withdrawn"


WAITING_FOR_MAX_CHARS = 200


class WaitingOn(models.TextChoices):
    """Whose move a submitted proposal waits on: what the officer's lists filter and count by.

    Kept on the proposal (`Proposal.waiting_on`) rather than worked out per view, because it
    depends on the technical assessments and peer reviews of the `reviews` app, which
    `applications` may not import: the door sets it from the status, and the assessment,
    assignment and review services refresh it through
    the hook `applications.hooks.waiting_provider_register` (applications.services.proposals.
    waiting). The same goes for who it waits for (`waiting_for`, the centres still assessing),
    so that a list's page reads both with its rows and asks no other app. A kept column lets a
    page of a filtered list be read in order from an index, and the workspace count every
    cut-off's proposals by it in one grouped query."""

    NOTHING = "", "Nothing"  # a draft, or withdrawn
    ELIGIBILITY = "eligibility", "Eligibility check"
    ASSESSMENT = "assessment", "Technical assessment"
    ASSESSMENT_OVERDUE = "assessment_overdue", "Technical assessment, overdue"
    # Peer review: the reviewers ("1 of 3 reviews in", "no reviewer yet"), then the applicant's
    # right of reply ("reply due 14 Dec 2026"), then the panel's ranking.
    REVIEWS = "reviews", "Peer review"
    REPLY = "reply", "Right of reply"
    PANEL = "panel", "Panel ranking"
    DECISION = "decision", "Decision"
    DECIDED = "decided", "Decided"


# The AI Act self-assessment in the data and ethics section: key -> question. Answers are
# "yes" or "no"; every question must be answered before submission.
AI_ACT_QUESTIONS: dict[str, str] = {
    "prohibited_practice": (
        "Could the system be used for a practice prohibited by Article 5 of the AI Act "
        "(e.g. social scoring, manipulative techniques, untargeted facial-image scraping)?"
    ),
    "high_risk": (
        "Is the system intended for a high-risk use listed in Annex III of the AI Act "
        "(e.g. recruitment, credit scoring, critical infrastructure, education)?"
    ),
    "general_purpose": "Is the model a general-purpose AI model that others will build on?",
    "interacts_with_people": (
        "Will people interact with the system or see content it generates (transparency duties)?"
    ),
    "biometric_data": "Does the training or evaluation use biometric data?",
}
AI_ACT_ANSWERS = ("yes", "no")


class PdfStatus(models.TextChoices):
    """Rendering of the submitted proposal's PDF, which happens after the submission commits."""

    NONE = "", "Not rendered"
    PENDING = "pending", "Waiting to render"
    RENDERING = "rendering", "Rendering"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


def private_upload_path(instance, filename: str) -> str:
    proposal_id = getattr(instance, "proposal_id", None) or instance.pk
    return f"proposals/{proposal_id}/{filename}"


class Proposal(models.Model):
    """An organisation's application to a call, aimed at one cut-off; locked once submitted."""

    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="proposals")
    cutoff = models.ForeignKey(CutOff, on_delete=models.PROTECT, related_name="proposals")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="proposals"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    pi = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="proposals_as_pi",
        verbose_name="principal investigator",
    )
    status = models.CharField(
        max_length=20, choices=ProposalStatus.choices, default=ProposalStatus.DRAFT, db_index=True
    )
    reference = models.CharField(max_length=40, unique=True, null=True, blank=True)
    # Optimistic concurrency: each save of a draft bumps the version; a save based on an older
    # version is refused instead of silently overwriting a teammate's edit.
    version = models.PositiveIntegerField(default=1)
    last_edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # Summary
    title = models.CharField(max_length=200, blank=True)
    acronym = models.CharField(max_length=20, blank=True)
    abstract = models.TextField(
        blank=True,
        max_length=LONG_TEXT_MAX_CHARS,
        validators=text_validators(LONG_TEXT_MAX_CHARS),
    )

    # Up to ten words or phrases; reviewers' expertise is matched against them.
    keywords = models.JSONField(
        default=list, blank=True, validators=[KEYWORD_LIST_LIMITS], help_text="Up to ten keywords."
    )

    # AI plan
    model_type = models.CharField(
        max_length=120, blank=True, help_text="e.g. decoder-only transformer, diffusion model"
    )
    parameters = models.BigIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)], help_text="Model size (N)."
    )
    training_tokens = models.BigIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Training tokens (D), or data set size in tokens.",
    )
    dataset_size_tb = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    training_share_percent = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
        help_text="Share of the requested hours for training; the rest is inference/evaluation.",
    )
    ai_plan = models.TextField(
        blank=True,
        max_length=LONG_TEXT_MAX_CHARS,
        validators=text_validators(LONG_TEXT_MAX_CHARS),
        help_text="Methodology and work plan.",
    )

    # Software
    software_stack = models.TextField(
        blank=True,
        max_length=LONG_TEXT_MAX_CHARS,
        validators=text_validators(LONG_TEXT_MAX_CHARS),
    )
    containers = models.TextField(
        blank=True,
        max_length=LONG_TEXT_MAX_CHARS,
        validators=text_validators(LONG_TEXT_MAX_CHARS),
        help_text="Container images and how they are built.",
    )

    # Data and ethics
    data_sources = models.TextField(
        blank=True,
        max_length=LONG_TEXT_MAX_CHARS,
        validators=text_validators(LONG_TEXT_MAX_CHARS),
    )
    data_licences = models.TextField(
        blank=True,
        max_length=LONG_TEXT_MAX_CHARS,
        validators=text_validators(LONG_TEXT_MAX_CHARS),
    )
    uses_personal_data = models.BooleanField(null=True, blank=True)
    personal_data_measures = models.TextField(
        blank=True,
        max_length=LONG_TEXT_MAX_CHARS,
        validators=text_validators(LONG_TEXT_MAX_CHARS),
    )
    ai_act_answers = models.JSONField(
        default=dict, blank=True, validators=[JSONLimitsValidator(max_bytes=2_000, max_depth=1)]
    )
    civilian_use_confirmed = models.BooleanField(default=False)

    # Commercial
    is_confidential = models.BooleanField(default=False)
    expected_impact = models.TextField(
        blank=True,
        max_length=LONG_TEXT_MAX_CHARS,
        validators=text_validators(LONG_TEXT_MAX_CHARS),
    )

    # Lifecycle
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # When the proposal reached a decided phase (applications.workflow, Phase.is_decided); set by
    # the one door for state changes. The time-to-access clock stops here.
    decided_at = models.DateTimeField(null=True, blank=True)
    withdrawal_reason = models.TextField(
        blank=True,
        max_length=SHORT_TEXT_MAX_CHARS,
        validators=text_validators(SHORT_TEXT_MAX_CHARS),
    )
    pdf = models.FileField(upload_to=private_upload_path, blank=True)
    # The PDF is rendered by a Celery task after submission; its progress stays visible here.
    pdf_status = models.CharField(max_length=10, choices=PdfStatus.choices, blank=True, default="")
    pdf_attempts = models.PositiveSmallIntegerField(default=0)
    pdf_error = models.TextField(blank=True)
    pdf_rendered_at = models.DateTimeField(null=True, blank=True)
    # When the sweep may (re)queue the PDF: the retry after a failure, the end of a rendering
    # worker's lease, or a grace period after hand-over. Empty once ready or given up.
    pdf_next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # Whose move it is (WaitingOn); kept by the door and the assessment services.
    waiting_on = models.CharField(
        max_length=20, choices=WaitingOn.choices, blank=True, default=WaitingOn.NOTHING
    )
    # Who it waits for, in a few words ("CSC, IT4I (overdue)"), when a provider says.
    waiting_for = models.CharField(max_length=WAITING_FOR_MAX_CHARS, blank=True, default="")

    class Meta:
        ordering = ["-updated_at", "-id"]
        # One index per order a list offers, so a page of 50 is read in order and the scan stops:
        # the officer's lists (submission order, per cut-off, per cut-off and status) and the
        # API's list (most recently changed first).
        indexes = [
            models.Index(
                fields=["cutoff", "status", "submitted_at", "id"],
                name="proposal_cutoff_status_order",
            ),
            models.Index(fields=["cutoff", "submitted_at", "id"], name="proposal_cutoff_order"),
            # The cut-off's list filtered by what its proposals wait on (the workspace's links).
            models.Index(
                fields=["cutoff", "waiting_on", "submitted_at", "id"],
                name="proposal_cutoff_waiting_order",
            ),
            models.Index(fields=["submitted_at", "id"], name="proposal_submitted_order"),
            models.Index(fields=["-updated_at", "-id"], name="proposal_recent_first"),
        ]

    def __str__(self) -> str:
        return self.reference or self.title or f"Draft #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("applications:proposal_detail", kwargs={"pk": self.pk})

    @property
    def is_draft(self) -> bool:
        return self.status == ProposalStatus.DRAFT


class TeamMember(models.Model):
    class Role(models.TextChoices):
        PI = "pi", "Principal investigator"
        CO_INVESTIGATOR = "co_investigator", "Co-investigator"
        ENGINEER = "engineer", "ML / HPC engineer"
        DATA = "data", "Data steward"
        OTHER = "other", "Other"

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="team")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="proposal_roles"
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.OTHER)
    expertise = models.CharField(max_length=300, blank=True)
    cv = models.FileField(upload_to=private_upload_path, blank=True)

    # Teammates edit the same rows: a save based on an older version is refused (see the
    # proposal's own version), and the conflict names who saved last and when.
    version = models.PositiveIntegerField(default=1)
    last_edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["proposal", "id"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "user"], name="unique_team_member")
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


class ResourceRequest(models.Model):
    """Hours asked for on one offered partition, in that partition's unit."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="requests")
    offered_partition = models.ForeignKey(
        CallPartition, on_delete=models.PROTECT, related_name="requests"
    )
    hours = models.DecimalField(max_digits=12, decimal_places=0, validators=[MinValueValidator(1)])
    job_size = models.PositiveIntegerField(
        help_text="Typical job size in GPUs (GPU partitions) or nodes (CPU partitions).",
        validators=[MinValueValidator(1)],
    )
    storage_tb = models.DecimalField(max_digits=8, decimal_places=2, default=0)
    duration_months = models.PositiveSmallIntegerField()
    justification = models.TextField(
        max_length=MEDIUM_TEXT_MAX_CHARS, validators=text_validators(MEDIUM_TEXT_MAX_CHARS)
    )
    # What the estimator was given, kept for reviewers: {"parameters", "tokens", "tflops"}.
    estimator_inputs = models.JSONField(
        default=dict, blank=True, validators=[JSONLimitsValidator(max_bytes=2_000, max_depth=1)]
    )

    # Teammates edit the same rows: a save based on an older version is refused (see the
    # proposal's own version), and the conflict names who saved last and when.
    version = models.PositiveIntegerField(default=1)
    last_edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["proposal", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "offered_partition"], name="one_request_per_partition"
            )
        ]

    def __str__(self) -> str:
        partition = self.offered_partition.partition
        return f"{self.hours} {partition.unit_label} on {partition}"


class Attachment(models.Model):
    class Kind(models.TextChoices):
        TECHNICAL = "technical", "Technical annex"
        BUSINESS = "business", "Business plan"
        LETTER = "letter", "Letter of support"
        OTHER = "other", "Other"

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    file = models.FileField(upload_to=private_upload_path)
    original_name = models.CharField(max_length=255)
    size_bytes = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["proposal", "uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


class ReferenceCounter(models.Model):
    """Last sequence number used per reference prefix (e.g. AIF-LS-2026-12); row-locked on use."""

    prefix = models.CharField(max_length=30, unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.prefix}: {self.last}"
