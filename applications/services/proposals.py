"""Writes on proposals: create, edit a draft (with conflict detection), team, resource requests,
attachments, submit, withdraw, and the cut-off roll-over.

Every function is keyword-only and atomic, checks permission and state, writes the activity log
and queues its mail and background work after commit. Errors a person can fix are raised as
Django ValidationErrors keyed by field; an edit based on a stale version raises ProposalConflict.
Acting on a proposal the user may not see raises PermissionDenied (pages and the API turn it into
a 404).
"""

from __future__ import annotations

import io
import logging
import os
import re
import uuid
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from applications.models import (
    AI_ACT_QUESTIONS,
    Attachment,
    Call,
    CallPartition,
    CutOff,
    PdfStatus,
    Proposal,
    ProposalStatus,
    ReferenceCounter,
    ResourceRequest,
    TeamMember,
)
from applications.models.proposals import AI_ACT_ANSWERS
from applications.selectors.proposals import (
    describe_instant,
    open_proposals_for_cutoff,
    proposal_submission_problems,
    request_limit_problems,
)
from applications.workflow import Actor, workflow_for
from portal.models import Membership, Organisation
from portal.services.activity import activity_record
from portal.services.notifications import notification_enqueue

logger = logging.getLogger(__name__)

# Fields of the proposal form that proposal_update may change, by section.
EDITABLE_FIELDS: dict[str, tuple[str, ...]] = {
    "summary": ("title", "acronym", "abstract"),
    "ai_plan": (
        "model_type",
        "parameters",
        "training_tokens",
        "dataset_size_tb",
        "training_share_percent",
        "ai_plan",
    ),
    "software": ("software_stack", "containers"),
    "data_ethics": (
        "data_sources",
        "data_licences",
        "uses_personal_data",
        "personal_data_measures",
        "ai_act_answers",
        "civilian_use_confirmed",
    ),
    "commercial": ("is_confidential", "expected_impact"),
}
EDITABLE_FIELD_NAMES: frozenset[str] = frozenset(f for fs in EDITABLE_FIELDS.values() for f in fs)

ACRONYM_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-]*$")
PDF_MAGIC = b"%PDF-"
DEFAULT_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024


class ProposalConflict(ValidationError):  # noqa: N818 - the domain's word for it
    """Raised when an edit is based on an older version than the one stored.

    Carries who saved the newer version and when, so the page or the API can say so.
    """

    def __init__(self, *, proposal: Proposal, expected_version: int, viewer=None):
        self.current_version = proposal.version
        self.expected_version = expected_version
        self.changed_by = proposal.last_edited_by
        self.changed_at = proposal.updated_at
        who = self.changed_by.display_name if self.changed_by else "Someone"
        tz_name = getattr(viewer, "timezone", None) or settings.TIME_ZONE
        when = describe_instant(self.changed_at, tz_name) if self.changed_at else "just now"
        super().__init__(
            "Your changes were not saved: %(who)s saved this proposal on %(when)s (version "
            "%(current)s; you were editing version %(expected)s). Reload to see their changes, "
            "then make yours again.",
            code="conflict",
            params={
                "who": who,
                "when": when,
                "current": self.current_version,
                "expected": expected_version,
            },
        )


# --- helpers ----------------------------------------------------------------------------------


def _is_member(user, organisation: Organisation | int) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    organisation_id = getattr(organisation, "pk", organisation)
    return Membership.objects.filter(organisation_id=organisation_id, user=user).exists()


def _lock(proposal: Proposal) -> Proposal:
    """Re-read the proposal under a row lock; the caller's object may be stale."""
    return Proposal.objects.select_for_update().select_related("call", "cutoff").get(pk=proposal.pk)


def _require_view(proposal: Proposal, by) -> None:
    if not by.has_perm("applications.view_proposal", proposal):
        raise PermissionDenied("You cannot see this proposal.")


def _require_editable(proposal: Proposal, by) -> None:
    """Members of the organisation edit drafts; nobody edits a submitted proposal.

    The state is checked on its own first: not even a superuser (whom has_perm always answers
    yes) may change a proposal once it is submitted.
    """
    if not workflow_for(proposal.call).phase(proposal.status).applicant_can_edit:
        raise ValidationError(
            "This proposal is %(status)s and can no longer be edited.",
            code="locked",
            params={"status": proposal.get_status_display().lower()},
        )
    if not by.has_perm("applications.change_proposal", proposal):
        raise PermissionDenied("Only members of the applying organisation can edit this proposal.")


def _lock_for_edit(proposal: Proposal, by) -> Proposal:
    """The locked, fresh proposal an applicant's edit works on. Visibility is asked first so
    that someone who may not see the proposal learns nothing about its state."""
    _require_view(proposal, by)
    proposal = _lock(proposal)
    _require_editable(proposal, by)
    return proposal


def _check_transition(proposal: Proposal, action: str) -> None:
    """Ask the call's evaluation path (applications.workflow) whether the applicant may act."""
    allowed = workflow_for(proposal.call).transition(
        proposal.status, action, actor=Actor.APPLICANT, call=proposal.call
    )
    if allowed is None:
        raise ValidationError(
            "A proposal that is %(status)s cannot be changed that way.",
            code="transition",
            params={"status": proposal.get_status_display().lower()},
        )


def _team_recipients(proposal: Proposal) -> list:
    """The PI and every team member, each once."""
    people = {}
    if proposal.pi_id:
        people[proposal.pi_id] = proposal.pi
    for member in proposal.team.select_related("user"):
        people.setdefault(member.user_id, member.user)
    return [u for u in people.values() if u is not None and u.is_active]


def _proposal_context(proposal: Proposal) -> dict[str, Any]:
    """JSON-safe context shared by the proposal mails."""
    return {
        "proposal_id": proposal.pk,
        "reference": proposal.reference or "",
        "title": proposal.title or "Untitled proposal",
        "acronym": proposal.acronym,
        "call_title": proposal.call.title,
        "organisation": proposal.organisation.legal_name,
        "proposal_path": proposal.get_absolute_url(),
    }


def attachment_max_bytes() -> int:
    """The upload limit for attachments and CVs (setting PROPOSAL_ATTACHMENT_MAX_BYTES)."""
    return int(getattr(settings, "PROPOSAL_ATTACHMENT_MAX_BYTES", DEFAULT_ATTACHMENT_MAX_BYTES))


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def check_pdf_upload(uploaded_file, *, field: str = "file") -> bytes:
    """Return the bytes of an uploaded PDF, or raise a ValidationError saying what is wrong.

    The content decides, not the name: the file must start with the PDF signature and pypdf
    must be able to read its pages. Used for attachments and CVs.
    """
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    name = os.path.basename(getattr(uploaded_file, "name", "") or "file")
    limit = attachment_max_bytes()
    size = getattr(uploaded_file, "size", None)
    if size is not None and size > limit:
        raise ValidationError(
            {
                field: (
                    f"'{name}' is {_megabytes(size)}; files may be at most {_megabytes(limit)}. "
                    "Compress the PDF or split it."
                )
            },
            code="too_large",
        )
    uploaded_file.seek(0)
    content = uploaded_file.read(limit + 1)
    if len(content) > limit:
        raise ValidationError(
            {field: f"'{name}' is larger than the {_megabytes(limit)} limit."}, code="too_large"
        )
    if not content:
        raise ValidationError({field: f"'{name}' is empty."}, code="empty")
    if not content.startswith(PDF_MAGIC):
        raise ValidationError(
            {
                field: (
                    f"'{name}' is not a PDF file: its content does not start with the PDF "
                    "signature (%PDF-), whatever its name says. Export or print the document "
                    "to PDF and upload that."
                )
            },
            code="not_pdf",
        )
    try:
        reader = PdfReader(io.BytesIO(content))
        if reader.is_encrypted:
            raise ValidationError(
                {
                    field: (
                        f"'{name}' is password-protected; upload a copy without a password so "
                        "reviewers can open it."
                    )
                },
                code="encrypted",
            )
        if len(reader.pages) < 1:
            raise PdfReadError("it has no pages")
    except ValidationError:
        raise
    except Exception as exc:  # pypdf raises many kinds of errors on damaged files
        raise ValidationError(
            {field: f"'{name}' is not a PDF file: it could not be read ({exc})."},
            code="not_pdf",
        ) from exc
    return content


def _store_private(proposal: Proposal, content: bytes) -> str:
    """Store a file under the proposal's private folder with a name nobody can guess."""
    path = f"proposals/{proposal.pk}/{uuid.uuid4().hex}.pdf"
    return default_storage.save(path, ContentFile(content))


def _delete_file_on_commit(name: str) -> None:
    if name:
        transaction.on_commit(lambda: default_storage.delete(name))


def _clean_original_name(name: str) -> str:
    base = os.path.basename(name or "").strip() or "document.pdf"
    return base[-255:]


# --- create and edit --------------------------------------------------------------------------


def next_open_cutoff(*, call: Call, now=None) -> CutOff | None:
    now = now or timezone.now()
    return call.cutoffs.filter(at__gt=now, closed_at__isnull=True).order_by("at").first()


@transaction.atomic
def proposal_create(*, call: Call, organisation: Organisation, by) -> Proposal:
    """Start a draft for `organisation`, aimed at the call's next open cut-off, with `by` as PI."""
    if not _is_member(by, organisation):
        raise ValidationError(
            {
                "organisation": (
                    f"You are not a member of {organisation}; ask its owner to invite you."
                )
            },
            code="not_member",
        )
    now = timezone.now()
    if not call.is_published or call.opens_at > now:
        raise ValidationError(
            {"call": f"“{call}” is not open for applications yet."}, code="closed"
        )
    cutoff = next_open_cutoff(call=call, now=now)
    if cutoff is None or call.closes_at <= now:
        raise ValidationError(
            {"call": f"“{call}” has no open cut-off left; it no longer accepts proposals."},
            code="closed",
        )
    # Serialise concurrent creations for one organisation so the one-proposal rule holds.
    Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
    if call.one_open_proposal_per_cutoff:
        existing = open_proposals_for_cutoff(organisation=organisation, cutoff=cutoff).first()
        if existing is not None:
            raise ValidationError(
                {
                    "organisation": (
                        f"{organisation} already has an open proposal for the cut-off of "
                        f"{describe_instant(cutoff.at, call.display_timezone)} "
                        f"(“{existing}”). This call accepts one proposal per organisation per "
                        "cut-off: continue that one, or withdraw it first."
                    )
                },
                code="one_per_cutoff",
            )
    proposal = Proposal.objects.create(
        call=call,
        cutoff=cutoff,
        organisation=organisation,
        created_by=by,
        pi=by,
        last_edited_by=by,
    )
    TeamMember.objects.create(proposal=proposal, user=by, role=TeamMember.Role.PI)
    activity_record(
        actor=by,
        verb="created proposal",
        target=proposal,
        to_state=ProposalStatus.DRAFT,
        data={"call": call.pk, "cutoff": cutoff.pk},
    )
    return proposal


def _coerce_integer(value):
    """Accept 7000000000, "7000000000", "7e9" or "7,000,000,000" for counts like parameters."""
    if isinstance(value, str):
        text = value.strip().replace(",", "").replace("_", "").replace(" ", "")
        if not text:
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            return value  # the field's own check reports it
        if number == number.to_integral_value():
            return int(number)
    return value


def _clean_field(proposal: Proposal, name: str, value):
    field = Proposal._meta.get_field(name)
    internal = field.get_internal_type()
    if internal in ("CharField", "TextField") and value is None:
        value = ""
    if internal in ("CharField", "TextField") and isinstance(value, str):
        value = value.replace("\r\n", "\n")
        if internal == "CharField":
            value = value.strip()
    if internal in ("BigIntegerField", "PositiveSmallIntegerField") and value == "":
        value = None
    if internal == "BigIntegerField":
        value = _coerce_integer(value)
    if internal == "DecimalField" and value == "":
        value = None
    if name == "ai_act_answers":
        return _clean_ai_act_answers(value)
    value = field.clean(value, proposal)
    limit = proposal.call.abstract_max_chars
    if name == "abstract" and len(value) > limit:
        raise ValidationError(
            f"The abstract is {len(value):,} characters long; this call allows at most "
            f"{limit:,}. Shorten it by {len(value) - limit:,}.",
            code="max_length",
        )
    if name == "acronym" and value and not ACRONYM_PATTERN.match(value):
        raise ValidationError(
            "Use letters, digits and hyphens only in the acronym (no spaces).", code="invalid"
        )
    if name == "dataset_size_tb" and value is not None and value < 0:
        raise ValidationError("The data set size cannot be negative.", code="min_value")
    return value


def _clean_ai_act_answers(value) -> dict[str, str]:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise ValidationError("Answer the AI Act questions with yes or no.", code="invalid")
    unknown = sorted(set(value) - set(AI_ACT_QUESTIONS))
    if unknown:
        raise ValidationError(f"Unknown AI Act question(s): {', '.join(unknown)}.", code="invalid")
    answers = {}
    for key, answer in value.items():
        if answer in (None, ""):
            continue  # not answered yet
        if answer not in AI_ACT_ANSWERS:
            raise ValidationError(
                f"Answer “{AI_ACT_QUESTIONS[key]}” with yes or no.", code="invalid"
            )
        answers[key] = answer
    return answers


@transaction.atomic
def proposal_update(
    *, proposal: Proposal, by, data: dict[str, Any], expected_version: int | None
) -> Proposal:
    """Save any subset of the editable fields of a draft; a draft may stay incomplete.

    `expected_version` is the version the editor started from (None skips the check, for
    callers that just read the proposal). A mismatch means a teammate saved in between:
    ProposalConflict names them, and nothing is saved.
    """
    proposal = _lock_for_edit(proposal, by)
    if expected_version is not None and int(expected_version) != proposal.version:
        raise ProposalConflict(proposal=proposal, expected_version=int(expected_version), viewer=by)
    errors: dict[str, list] = {}
    changed: list[str] = []
    for name, raw in data.items():
        if name not in EDITABLE_FIELD_NAMES:
            errors[name] = ["This field cannot be changed here."]
            continue
        try:
            value = _clean_field(proposal, name, raw)
        except ValidationError as exc:
            errors[name] = exc.messages
            continue
        if getattr(proposal, name) != value:
            setattr(proposal, name, value)
            changed.append(name)
    if errors:
        raise ValidationError(errors)
    if not changed:
        return proposal
    proposal.version += 1
    proposal.last_edited_by = by
    proposal.save(update_fields=[*changed, "version", "last_edited_by", "updated_at"])
    return proposal


# --- team -------------------------------------------------------------------------------------


def _check_expertise_and_cv(
    errors: dict[str, list[str]], *, expertise: str | None, cv
) -> bytes | None:
    """Add what is wrong with a team member's expertise or CV to `errors`, so the form shows
    every problem at once; return the CV's content when it is a good PDF."""
    limit = TeamMember._meta.get_field("expertise").max_length
    if expertise is not None and len(expertise) > limit:
        errors["expertise"] = [f"Describe the expertise in at most {limit} characters."]
    if cv is None:
        return None
    try:
        return check_pdf_upload(cv, field="cv")
    except ValidationError as exc:
        errors.update(exc.message_dict)
        return None


@transaction.atomic
def team_member_add(
    *, proposal: Proposal, by, user, role: str, expertise: str = "", cv=None
) -> TeamMember:
    """Add a member of the proposal's organisation to its team; role PI makes them the PI."""
    proposal = _lock_for_edit(proposal, by)
    errors: dict[str, list[str]] = {}
    if role not in TeamMember.Role.values:
        errors["role"] = [f"Choose a role from the list (not “{role}”)."]
    if not _is_member(user, proposal.organisation_id):
        errors["user"] = [
            f"{user.display_name} is not a member of {proposal.organisation}. Only members of "
            "the applying organisation can be on the team; invite them to it first."
        ]
    elif proposal.team.filter(user=user).exists():
        errors["user"] = [f"{user.display_name} is already on the team."]
    cv_content = _check_expertise_and_cv(errors, expertise=expertise, cv=cv)
    if errors:
        raise ValidationError(errors)
    member = TeamMember(
        proposal=proposal, user=user, role=role, expertise=(expertise or "").strip()
    )
    if cv_content is not None:
        member.cv.name = _store_private(proposal, cv_content)
    if role == TeamMember.Role.PI:
        _hand_over_pi(proposal, user)
    member.save()
    activity_record(
        actor=by,
        verb="added team member",
        target=proposal,
        data={"user": user.pk, "role": role},
    )
    return member


def _hand_over_pi(proposal: Proposal, user) -> None:
    """One PI per proposal: the previous PI stays on the team as co-investigator."""
    proposal.team.filter(role=TeamMember.Role.PI).exclude(user=user).update(
        role=TeamMember.Role.CO_INVESTIGATOR
    )
    proposal.pi = user
    proposal.save(update_fields=["pi", "updated_at"])


@transaction.atomic
def team_member_update(
    *,
    proposal: Proposal,
    by,
    member: TeamMember,
    role: str | None = None,
    expertise: str | None = None,
    cv=None,
) -> TeamMember:
    """Change a team member's role, expertise or CV."""
    proposal = _lock_for_edit(proposal, by)
    # Looked up within this proposal: a member of another proposal is refused, not a crash.
    member = TeamMember.objects.select_for_update().filter(pk=member.pk, proposal=proposal).first()
    if member is None:
        raise ValidationError({"member": "This person is not on the team."}, code="not_found")
    errors: dict[str, list[str]] = {}
    if role is not None and role not in TeamMember.Role.values:
        errors["role"] = [f"Choose a role from the list (not “{role}”)."]
    if role is not None and member.role == TeamMember.Role.PI and role != TeamMember.Role.PI:
        errors["role"] = ["Make another team member the PI first; a proposal needs one."]
    cv_content = _check_expertise_and_cv(errors, expertise=expertise, cv=cv)
    if errors:
        raise ValidationError(errors)
    if expertise is not None:
        member.expertise = expertise.strip()
    if cv_content is not None:
        _delete_file_on_commit(member.cv.name)
        member.cv.name = _store_private(proposal, cv_content)
    if role is not None and role != member.role:
        if role == TeamMember.Role.PI:
            _hand_over_pi(proposal, member.user)
        member.role = role
    member.save()
    return member


@transaction.atomic
def team_member_remove(*, proposal: Proposal, by, member: TeamMember) -> None:
    proposal = _lock_for_edit(proposal, by)
    member = TeamMember.objects.filter(pk=member.pk, proposal=proposal).first()
    if member is None:
        raise ValidationError({"member": "This person is not on the team."}, code="not_found")
    if member.role == TeamMember.Role.PI or member.user_id == proposal.pi_id:
        raise ValidationError(
            {"member": "The PI cannot be removed; make another team member the PI first."},
            code="pi",
        )
    _delete_file_on_commit(member.cv.name)
    member.delete()
    activity_record(
        actor=by, verb="removed team member", target=proposal, data={"user": member.user_id}
    )


# --- resource requests ------------------------------------------------------------------------


def _to_decimal(value, field: str, errors: dict, label: str) -> Decimal | None:
    if value in (None, ""):
        errors[field] = [f"Enter the {label}."]
        return None
    try:
        number = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        errors[field] = [f"Enter the {label} as a number."]
        return None
    if not number.is_finite():
        errors[field] = [f"Enter the {label} as a number."]
        return None
    return number


@transaction.atomic
def resource_request_save(
    *,
    proposal: Proposal,
    by,
    offered_partition: CallPartition,
    hours,
    job_size,
    storage_tb,
    duration_months,
    justification: str,
    estimator_inputs: dict | None = None,
    resource_request: ResourceRequest | None = None,
) -> ResourceRequest:
    """Create or change the request for hours on one partition offered by the call.

    The hours must lie within the call's limits for that partition and the duration must be
    one the call allows. The justification may stay empty in a draft (submission requires it).
    """
    proposal = _lock_for_edit(proposal, by)
    call = proposal.call
    errors: dict[str, list[str]] = {}

    if offered_partition is None or offered_partition.call_id != call.pk:
        partition = getattr(offered_partition, "partition", None)
        name = str(partition) if partition is not None else ""
        errors["offered_partition"] = [
            f"{name or 'This partition'} is not offered by “{call}”; choose one of the "
            "partitions the call offers."
        ]
    hours_value = _to_decimal(hours, "hours", errors, "hours")
    if hours_value is not None and hours_value != hours_value.to_integral_value():
        errors["hours"] = ["Request whole hours."]
    elif hours_value is not None and hours_value < 1:
        errors["hours"] = ["Request at least 1 hour."]
    elif hours_value is not None and "offered_partition" not in errors:
        errors.update(
            request_limit_problems(offered_partition=offered_partition, hours=hours_value)
        )

    job = _to_decimal(job_size, "job_size", errors, "job size")
    if job is not None and (job < 1 or job != job.to_integral_value()):
        errors["job_size"] = ["The job size is a whole number of GPUs or nodes, at least 1."]
    elif job is not None and "offered_partition" not in errors:
        partition = offered_partition.partition
        capacity = (
            partition.nodes * partition.accelerators_per_node
            if partition.is_gpu
            else partition.nodes
        )
        if capacity and job > capacity:
            unit = "GPUs" if partition.is_gpu else "nodes"
            errors["job_size"] = [f"{partition} has {capacity:,} {unit}; a job cannot be larger."]

    storage = _to_decimal(
        0 if storage_tb in (None, "") else storage_tb, "storage_tb", errors, "storage"
    )
    if storage is not None and storage < 0:
        errors["storage_tb"] = ["Storage cannot be negative."]

    try:
        duration = int(duration_months)
    except (TypeError, ValueError):
        duration = None
    allowed = [int(d) for d in (call.durations_months or [])]
    if duration is None or (allowed and duration not in allowed):
        choices = ", ".join(str(d) for d in allowed)
        errors["duration_months"] = [f"Choose a duration this call allows: {choices} months."]

    if resource_request is not None and resource_request.proposal_id != proposal.pk:
        raise PermissionDenied("This request belongs to another proposal.")
    if "offered_partition" not in errors:
        clash = proposal.requests.filter(offered_partition=offered_partition)
        if resource_request is not None:
            clash = clash.exclude(pk=resource_request.pk)
        if clash.exists():
            errors["offered_partition"] = [
                f"This proposal already requests hours on {offered_partition.partition}; "
                "change that request instead."
            ]
    if estimator_inputs is not None and not isinstance(estimator_inputs, dict):
        errors["estimator_inputs"] = ["The estimator inputs are not in the expected form."]
    if errors:
        raise ValidationError(errors)

    request = resource_request or ResourceRequest(proposal=proposal)
    is_new = request.pk is None
    request.offered_partition = offered_partition
    request.hours = hours_value
    request.job_size = int(job)
    request.storage_tb = storage
    request.duration_months = duration
    request.justification = (justification or "").replace("\r\n", "\n").strip()
    if estimator_inputs is not None:
        request.estimator_inputs = estimator_inputs
    try:
        with transaction.atomic():
            request.save()
    except IntegrityError as exc:  # a teammate added the same partition a moment ago
        raise ValidationError(
            {"offered_partition": "This proposal already requests hours on this partition."}
        ) from exc
    activity_record(
        actor=by,
        verb="added resource request" if is_new else "changed resource request",
        target=proposal,
        data={"partition": offered_partition.partition_id, "hours": str(hours_value)},
    )
    return request


@transaction.atomic
def resource_request_delete(*, proposal: Proposal, by, resource_request: ResourceRequest) -> None:
    proposal = _lock_for_edit(proposal, by)
    deleted, _ = ResourceRequest.objects.filter(pk=resource_request.pk, proposal=proposal).delete()
    if deleted:
        activity_record(
            actor=by,
            verb="removed resource request",
            target=proposal,
            data={"partition": resource_request.offered_partition.partition_id},
        )


# --- attachments ------------------------------------------------------------------------------


@transaction.atomic
def attachment_add(*, proposal: Proposal, by, uploaded_file, kind: str) -> Attachment:
    """Store a PDF attachment privately, after checking its content (not its name) and size."""
    proposal = _lock_for_edit(proposal, by)
    if kind not in Attachment.Kind.values:
        raise ValidationError({"kind": [f"Choose what kind of document this is (not “{kind}”)."]})
    content = check_pdf_upload(uploaded_file, field="file")
    attachment = Attachment(
        proposal=proposal,
        kind=kind,
        original_name=_clean_original_name(getattr(uploaded_file, "name", "")),
        size_bytes=len(content),
        uploaded_by=by,
    )
    attachment.file.name = _store_private(proposal, content)
    attachment.save()
    activity_record(
        actor=by,
        verb="uploaded attachment",
        target=proposal,
        data={"attachment": attachment.pk, "name": attachment.original_name, "kind": kind},
    )
    return attachment


@transaction.atomic
def attachment_delete(*, proposal: Proposal, by, attachment: Attachment) -> None:
    proposal = _lock_for_edit(proposal, by)
    attachment = Attachment.objects.filter(pk=attachment.pk, proposal=proposal).first()
    if attachment is None:
        return
    _delete_file_on_commit(attachment.file.name)
    attachment.delete()
    activity_record(
        actor=by,
        verb="removed attachment",
        target=proposal,
        data={"name": attachment.original_name},
    )


# --- submission -------------------------------------------------------------------------------


def reference_prefix(*, proposal: Proposal) -> str:
    """AIF-<mode code>-<year>-<month> of the cut-off, as announced in the call's time zone."""
    import zoneinfo

    local = proposal.cutoff.at.astimezone(zoneinfo.ZoneInfo(proposal.call.display_timezone))
    return f"AIF-{proposal.call.mode_code}-{local:%Y}-{local:%m}"


def _next_reference(prefix: str) -> str:
    """The next number for a prefix; the counter row is locked until the submission commits."""
    ReferenceCounter.objects.get_or_create(prefix=prefix)
    counter = ReferenceCounter.objects.select_for_update().get(prefix=prefix)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{prefix}-{counter.last:04d}"


def _queue_pdf(proposal_id: int) -> None:
    from applications.tasks import render_proposal_pdf

    try:
        render_proposal_pdf.delay(proposal_id)
    except Exception:  # broker down: the proposal stays "PDF pending" and the sweeper retries
        logger.exception("Could not queue the PDF of proposal %s", proposal_id)


@transaction.atomic
def proposal_submit(*, proposal: Proposal, by) -> Proposal:
    """Submit a complete draft before its cut-off: lock it, number it, then render and mail it.

    Server time decides, with no grace: at or after the cut-off the submission is refused.
    The PDF and the receipt follow after commit; their failure never undoes the submission.
    """
    _require_view(proposal, by)
    proposal = _lock(proposal)
    if not by.has_perm("applications.submit_proposal", proposal):
        if not _is_member(by, proposal.organisation_id):
            raise PermissionDenied("Only members of the applying organisation can submit.")
        raise ValidationError(
            "This proposal is %(status)s; only drafts can be submitted.",
            code="not_draft",
            params={"status": proposal.get_status_display().lower()},
        )
    now = timezone.now()
    problems = proposal_submission_problems(proposal=proposal, now=now)
    if problems:
        raise ValidationError(problems)
    _check_transition(proposal, "submit")
    proposal.reference = _next_reference(reference_prefix(proposal=proposal))
    proposal.status = ProposalStatus.SUBMITTED
    proposal.submitted_at = now
    proposal.pdf_status = PdfStatus.PENDING
    proposal.pdf_attempts = 0
    proposal.pdf_error = ""
    proposal.version += 1
    proposal.last_edited_by = by
    proposal.save()
    activity_record(
        actor=by,
        verb="submitted proposal",
        target=proposal,
        from_state=ProposalStatus.DRAFT,
        to_state=ProposalStatus.SUBMITTED,
        data={"reference": proposal.reference, "cutoff": proposal.cutoff_id},
    )
    proposal_id = proposal.pk
    transaction.on_commit(lambda: _queue_pdf(proposal_id))
    return proposal


def proposal_pdf_render(*, proposal_id: int) -> Proposal:
    """Render and store the PDF of a submitted proposal, then queue the receipts. Idempotent.

    Records each failure on the proposal (status, attempts, error) before re-raising, so the
    state is visible while the task retries.
    """
    from applications.pdf import proposal_pdf_bytes

    proposal = Proposal.objects.select_related("call", "cutoff", "organisation", "pi").get(
        pk=proposal_id
    )
    if not proposal.reference:
        raise ValueError(f"Proposal {proposal_id} has not been submitted.")
    if (
        proposal.pdf_status == PdfStatus.READY
        and proposal.pdf
        and default_storage.exists(proposal.pdf.name)
    ):
        proposal_receipt_enqueue(proposal=proposal)
        return proposal
    try:
        content = proposal_pdf_bytes(proposal=proposal)
    except Exception as exc:
        Proposal.objects.filter(pk=proposal_id).update(
            pdf_status=PdfStatus.FAILED,
            pdf_attempts=proposal.pdf_attempts + 1,
            pdf_error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        raise
    old_name = proposal.pdf.name
    name = default_storage.save(
        f"proposals/{proposal.pk}/{proposal.reference}-{uuid.uuid4().hex[:8]}.pdf",
        ContentFile(content),
    )
    with transaction.atomic():
        Proposal.objects.filter(pk=proposal_id).update(
            pdf=name,
            pdf_status=PdfStatus.READY,
            pdf_attempts=proposal.pdf_attempts + 1,
            pdf_error="",
            pdf_rendered_at=timezone.now(),
        )
        proposal.refresh_from_db()
        activity_record(actor=None, verb="rendered proposal PDF", target=proposal)
        proposal_receipt_enqueue(proposal=proposal)
    if old_name and old_name != name:
        default_storage.delete(old_name)
    return proposal


def proposal_receipt_enqueue(*, proposal: Proposal) -> int:
    """Queue the submission receipt, with the PDF attached, to the PI and each team member."""
    context = _proposal_context(proposal)
    context.update(
        {
            "submitted_at": describe_instant(proposal.submitted_at, proposal.call.display_timezone),
            "cutoff": describe_instant(proposal.cutoff.at, proposal.call.display_timezone),
        }
    )
    attachment = {
        "path": proposal.pdf.name,
        "filename": f"{proposal.reference}.pdf",
        "mimetype": "application/pdf",
    }
    recipients = _team_recipients(proposal)
    for user in recipients:
        notification_enqueue(
            to_email=user.email,
            recipient=user,
            template="proposal_receipt",
            context={**context, "recipient_name": user.display_name},
            idempotency_key=f"proposal-receipt:{proposal.pk}:{user.pk}",
            attachments=[attachment],
        )
    return len(recipients)


@transaction.atomic
def proposal_pdf_retry(*, proposal: Proposal, by=None) -> Proposal:
    """Queue the PDF again after failures (officers and admins use it; so does the sweeper)."""
    proposal = _lock(proposal)
    if not proposal.reference or proposal.pdf_status == PdfStatus.READY:
        return proposal
    proposal.pdf_status = PdfStatus.PENDING
    proposal.pdf_attempts = 0
    proposal.save(update_fields=["pdf_status", "pdf_attempts", "updated_at"])
    activity_record(actor=by, verb="queued proposal PDF again", target=proposal)
    proposal_id = proposal.pk
    transaction.on_commit(lambda: _queue_pdf(proposal_id))
    return proposal


def proposal_pdfs_requeue_stale(*, older_than: timedelta = timedelta(minutes=10)) -> int:
    """Queue again the PDFs still pending long after submission (the broker was down)."""
    stale = list(
        Proposal.objects.filter(
            pdf_status=PdfStatus.PENDING, submitted_at__lt=timezone.now() - older_than
        ).values_list("pk", flat=True)
    )
    for proposal_id in stale:
        _queue_pdf(proposal_id)
    return len(stale)


# --- withdrawal -------------------------------------------------------------------------------


@transaction.atomic
def proposal_withdraw(*, proposal: Proposal, by, reason: str) -> Proposal:
    """Withdraw a proposal before a decision, with a reason; the team is told."""
    _require_view(proposal, by)
    proposal = _lock(proposal)
    if not by.has_perm("applications.withdraw_proposal", proposal):
        if not _is_member(by, proposal.organisation_id):
            raise PermissionDenied("Only members of the applying organisation can withdraw it.")
        raise ValidationError(
            "This proposal is %(status)s; it can only be withdrawn before a decision.",
            code="decided",
            params={"status": proposal.get_status_display().lower()},
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": "Say briefly why you withdraw the proposal (the programme office reads it)."}
        )
    _check_transition(proposal, "withdraw")
    from_state = proposal.status
    proposal.status = ProposalStatus.WITHDRAWN
    proposal.withdrawn_at = timezone.now()
    proposal.withdrawal_reason = reason
    proposal.version += 1
    proposal.last_edited_by = by
    proposal.save()
    activity_record(
        actor=by,
        verb="withdrew proposal",
        target=proposal,
        from_state=from_state,
        to_state=ProposalStatus.WITHDRAWN,
        data={"reason": reason},
    )
    context = {
        **_proposal_context(proposal),
        "withdrawn_by": by.display_name,
        "reason": reason,
        "withdrawn_at": describe_instant(proposal.withdrawn_at, proposal.call.display_timezone),
    }
    for user in _team_recipients(proposal):
        notification_enqueue(
            to_email=user.email,
            recipient=user,
            template="proposal_withdrawn",
            context={**context, "recipient_name": user.display_name},
            idempotency_key=f"proposal-withdrawn:{proposal.pk}:{user.pk}",
        )
    return proposal


# --- cut-offs ---------------------------------------------------------------------------------


@transaction.atomic
def cutoff_close(*, cutoff: CutOff) -> int:
    """Close a passed cut-off: its unsubmitted drafts move to the call's next open cut-off and
    their teams are told. Returns the number of drafts moved. Safe to run again."""
    now = timezone.now()
    cutoff = CutOff.objects.select_for_update().select_related("call").get(pk=cutoff.pk)
    if cutoff.closed_at is not None:
        return 0
    if cutoff.at > now:
        raise ValidationError(
            {"cutoff": "This cut-off has not passed yet; it closes at its deadline."},
            code="not_passed",
        )
    call = cutoff.call
    target = (
        call.cutoffs.filter(at__gt=now, closed_at__isnull=True).exclude(pk=cutoff.pk).order_by("at")
    ).first()
    drafts = list(
        cutoff.proposals.select_for_update(of=("self",))
        .filter(status=ProposalStatus.DRAFT)
        .select_related("organisation", "call", "pi")
    )
    old_deadline = describe_instant(cutoff.at, call.display_timezone)
    new_deadline = describe_instant(target.at, call.display_timezone) if target else ""
    moved = 0
    for proposal in drafts:
        if target is not None:
            proposal.cutoff = target
            proposal.save(update_fields=["cutoff", "updated_at"])
            moved += 1
            activity_record(
                actor=None,
                verb="rolled over to the next cut-off",
                target=proposal,
                data={"from_cutoff": cutoff.pk, "to_cutoff": target.pk},
            )
        context = {
            **_proposal_context(proposal),
            "old_cutoff": old_deadline,
            "new_cutoff": new_deadline,
            "call_closed": target is None,
        }
        for user in _team_recipients(proposal):
            notification_enqueue(
                to_email=user.email,
                recipient=user,
                template="proposal_rolled_over",
                context={**context, "recipient_name": user.display_name},
                idempotency_key=f"proposal-rolled-over:{proposal.pk}:{cutoff.pk}:{user.pk}",
            )
    cutoff.closed_at = now
    cutoff.save(update_fields=["closed_at"])
    activity_record(
        actor=None,
        verb="closed cut-off",
        target=cutoff,
        data={"rolled_over": moved, "to_cutoff": target.pk if target else None},
    )
    return moved


def cutoffs_close_passed(*, now=None) -> int:
    """Close every cut-off whose deadline has passed (the periodic task runs this)."""
    now = now or timezone.now()
    total = 0
    for cutoff in CutOff.objects.filter(at__lte=now, closed_at__isnull=True).order_by("at"):
        total += cutoff_close(cutoff=cutoff)
    return total
