"""Create a draft proposal and edit it, with conflict detection on concurrent edits."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.defaultfilters import pluralize
from django.utils import timezone

from applications.models import AI_ACT_QUESTIONS, Call, CutOff, Proposal, ProposalStatus, TeamMember
from applications.models.proposals import AI_ACT_ANSWERS
from applications.selectors.proposals import describe_instant, open_proposals_for_cutoff
from portal.models import Organisation
from portal.services.activity import activity_record
from portal.validators import NUL, NUL_MESSAGE

from ._common import _is_member, _lock_for_edit
from .conflicts import ProposalConflict

# Fields of the proposal form that proposal_update may change, by section.
EDITABLE_FIELDS: dict[str, tuple[str, ...]] = {
    "summary": ("title", "acronym", "abstract", "keywords"),
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
# Reviewers' expertise is matched against a proposal's keywords: a few short words or phrases.
MAX_KEYWORDS = 10
KEYWORD_MAX_CHARS = 60


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
        verb="proposal.create",
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
    if name == "keywords":
        return _clean_keywords(value)
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


def _clean_keywords(value) -> list[str]:
    """A list of up to MAX_KEYWORDS distinct words or phrases (a comma-separated string too)."""
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ValidationError("Give the keywords as a list of words or phrases.", code="invalid")
    keywords: list[str] = []
    for raw in value:
        keyword = " ".join(raw.split())
        if not keyword or keyword.casefold() in (k.casefold() for k in keywords):
            continue
        if NUL in keyword:
            raise ValidationError(NUL_MESSAGE, code="null_characters_not_allowed")
        if len(keyword) > KEYWORD_MAX_CHARS:
            raise ValidationError(
                f"“{keyword[:20]}…” has {len(keyword)} characters; a keyword may have at most "
                f"{KEYWORD_MAX_CHARS}.",
                code="max_length",
            )
        keywords.append(keyword)
    if len(keywords) > MAX_KEYWORDS:
        raise ValidationError(
            f"Give at most {MAX_KEYWORDS} keywords; you gave {len(keywords)}.", code="max_items"
        )
    return keywords


def _clean_ai_act_answers(value) -> dict[str, str]:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise ValidationError("Answer the AI Act questions with yes or no.", code="invalid")
    unknown = sorted(set(value) - set(AI_ACT_QUESTIONS))
    if unknown:
        raise ValidationError(
            f"Unknown AI Act question{pluralize(len(unknown))}: {', '.join(unknown)}.",
            code="invalid",
        )
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
