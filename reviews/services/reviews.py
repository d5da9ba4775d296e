"""Writes of reviews: the deadline an assignment gets, the review a reviewer drafts (saved as they
type, with an optimistic version) and submits once, and the reminders before the deadline.

Only the assignment's reviewer writes, and only while `reviews.write_review` holds (pool, terms,
no conflict, confirmed no conflict, assignment neither declined nor removed). Every write is in
the staff-only activity log; a reminder goes through the outbox with a key, so it is sent once."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from applications.deadlines import local_to_utc
from applications.models import Call, EvaluationCriterion, Proposal, ProposalStatus
from applications.selectors.proposals import describe_instant
from applications.services.proposals import (
    EditConflict,
    proposal_transition,
    proposals_waiting_refresh,
)
from portal.models import User
from portal.services.activity import activity_record
from portal.services.notifications import notification_enqueue
from reviews.models import (
    Confidence,
    CriterionScore,
    PeerReviewSettings,
    Recommendation,
    Review,
    ReviewAssignment,
)
from reviews.models.assignment import DEFAULT_REVIEW_DAYS
from reviews.models.scoring import CRITERION_COMMENT_MAX_CHARS, PANEL_COMMENT_MAX_CHARS

A = ReviewAssignment.Status
R = ReviewAssignment.Reminder

# The reminders before a deadline, latest first: (days before, the mark left on the assignment).
REMINDERS = ((2, R.DAYS_2), (7, R.DAYS_7))
# The order the marks come in: a later one is never followed by an earlier one.
REMINDER_ORDER = {R.NONE: 0, R.DAYS_7: 1, R.DAYS_2: 2, R.OVERDUE: 3}
# The assignments a review can still be written for (and reminded about).
OPEN_STATUSES = (A.ASSIGNED, A.ACCEPTED)


# --- deadlines -------------------------------------------------------------------------------


def review_days(call: Call) -> int:
    row = PeerReviewSettings.objects.filter(call=call).first()
    return row.review_days if row else DEFAULT_REVIEW_DAYS


def review_deadline(*, call: Call, now: datetime | None = None, days: int | None = None):
    """The end of the day `days` (the call's review days) from now, in the call's time zone."""
    now = now or timezone.now()
    days = review_days(call) if days is None else days
    zone = call.display_timezone
    local_day = timezone.localtime(now, timezone=_zoneinfo(zone)).date() + timedelta(days=days)
    return local_to_utc(local_day, time(23, 59, 59), zone)


def _zoneinfo(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


def reviews_start(*, proposal_ids, by: User) -> int:
    """Take each proposal still eligible into review through the door, as the officer who
    assigned its reviewers. Returns how many moved."""
    moved = 0
    for proposal in Proposal.objects.filter(
        pk__in=list(proposal_ids), status=ProposalStatus.ELIGIBLE
    ).order_by("pk"):
        proposal_transition(proposal=proposal, action="start_review", by=by)
        moved += 1
    return moved


# --- the review ------------------------------------------------------------------------------


def _may_write(reviewer, assignment: ReviewAssignment) -> bool:
    return reviewer.has_perm("reviews.write_review", assignment)


def _criteria(proposal: Proposal) -> list[EvaluationCriterion]:
    return list(EvaluationCriterion.objects.filter(call_id=proposal.call_id).order_by("position"))


def review_open(*, assignment: ReviewAssignment, reviewer: User) -> Review:
    """The assignment's review, created as an empty draft on first opening; an assignment not
    yet answered counts as accepted from then on (the reviewer started it)."""
    if assignment.reviewer_id != reviewer.pk or not _may_write(reviewer, assignment):
        raise PermissionDenied
    existing = Review.objects.filter(assignment=assignment).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        assignment = ReviewAssignment.objects.select_for_update().get(pk=assignment.pk)
        existing = Review.objects.filter(assignment=assignment).first()
        if existing is not None:
            return existing
        if assignment.status == A.ASSIGNED:
            assignment.status = A.ACCEPTED
            assignment.answered_at = timezone.now()
            assignment.save(update_fields=["status", "answered_at"])
            activity_record(actor=reviewer, verb="assignment.accept", target=assignment.proposal)
        review = Review.objects.create(
            assignment=assignment, proposal_id=assignment.proposal_id, reviewer=reviewer
        )
        CriterionScore.objects.bulk_create(
            [CriterionScore(review=review, criterion=c) for c in _criteria(assignment.proposal)]
        )
        activity_record(actor=reviewer, verb="review.start", target=assignment.proposal)
    return review


def score_field(criterion_id: int) -> str:
    return f"score_{criterion_id}"


def comment_field(criterion_id: int) -> str:
    return f"comment_{criterion_id}"


REVIEW_FIELDS = ("comment_to_panel", "confidence", "recommendation")


def _clean_score(criterion: EvaluationCriterion, raw) -> int | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool):
        raw = "x"  # True is not a score
    try:
        number = Decimal(str(raw).strip())
    except ArithmeticError:
        number = None
    if number is None or not number.is_finite() or number != number.to_integral_value():
        raise ValidationError(
            f"Give a whole number from {criterion.scale_min} to {criterion.scale_max}.",
            code="invalid",
        )
    if not criterion.scale_min <= number <= criterion.scale_max:
        raise ValidationError(
            f"{criterion.name} is scored from {criterion.scale_min} to {criterion.scale_max}; "
            f"{number} is outside the scale.",
            code="out_of_scale",
        )
    return int(number)


def _clean_text(raw, limit: int, field) -> str:
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise ValidationError("Write text here.", code="invalid")
    value = raw.replace("\r\n", "\n")
    if len(value) > limit:
        raise ValidationError(
            f"This comment has {len(value):,} characters; at most {limit:,} are allowed. "
            f"Shorten it by {len(value) - limit:,}.",
            code="max_length",
        )
    for validator in field.validators:
        validator(value)
    return value


def _clean_choice(raw, choices, what: str) -> str:
    if raw in (None, ""):
        return ""
    if raw not in choices.values:
        labels = ", ".join(str(label).split(":")[0].lower() for label in choices.labels)
        raise ValidationError(f"Choose the {what}: {labels}.", code="invalid_choice")
    return raw


_FAILED = object()


@dataclass(frozen=True)
class _Cleaned:
    fields: dict[str, Any]
    scores: dict[int, dict[str, Any]]  # criterion id -> {"score": ..., "comment": ...}


def _clean(values: dict[str, Any], criteria: list[EvaluationCriterion]) -> _Cleaned:
    """Check what was sent (any subset); every refused value is reported under its field."""
    errors: dict[str, list[str]] = {}
    fields: dict[str, Any] = {}
    scores: dict[int, dict[str, Any]] = {}
    by_id = {c.pk: c for c in criteria}
    known = set(REVIEW_FIELDS) | {score_field(i) for i in by_id} | {comment_field(i) for i in by_id}
    for name in values:
        if name not in known:
            errors[name] = ["This is not a field of this review."]

    def attempt(name, clean):
        """The cleaned value, or the error noted under the field (and _FAILED)."""
        try:
            return clean(values[name])
        except ValidationError as exc:
            errors[name] = exc.messages
            return _FAILED

    checks = {
        "comment_to_panel": lambda v: _clean_text(
            v, PANEL_COMMENT_MAX_CHARS, Review._meta.get_field("comment_to_panel")
        ),
        "confidence": lambda v: _clean_choice(v, Confidence, "confidence"),
        "recommendation": lambda v: _clean_choice(v, Recommendation, "recommendation"),
    }
    for name, clean in checks.items():
        if name in values and (value := attempt(name, clean)) is not _FAILED:
            fields[name] = value
    comment_model_field = CriterionScore._meta.get_field("comment_to_applicant")
    for criterion in criteria:
        for name, key, clean in (
            (score_field(criterion.pk), "score", lambda v, c=criterion: _clean_score(c, v)),
            (
                comment_field(criterion.pk),
                "comment",
                lambda v: _clean_text(v, CRITERION_COMMENT_MAX_CHARS, comment_model_field),
            ),
        ):
            if name in values and (value := attempt(name, clean)) is not _FAILED:
                scores.setdefault(criterion.pk, {})[key] = value
    if errors:
        raise ValidationError(errors)
    return _Cleaned(fields=fields, scores=scores)


def _locked_review(assignment: ReviewAssignment, reviewer: User) -> Review:
    if assignment.reviewer_id != reviewer.pk or not _may_write(reviewer, assignment):
        raise PermissionDenied
    review = review_open(assignment=assignment, reviewer=reviewer)
    review = Review.objects.select_for_update().select_related("reviewer").get(pk=review.pk)
    if review.is_submitted:
        raise ValidationError(
            "This review is submitted and can no longer be changed.", code="submitted"
        )
    return review


def _check_version(review: Review, expected_version: int | None, reviewer: User) -> None:
    if expected_version is None or int(expected_version) == review.version:
        return
    raise EditConflict(
        subject="this review",
        current_version=review.version,
        expected_version=int(expected_version),
        changed_by=review.reviewer,
        changed_at=review.saved_at,
        viewer=reviewer,
        advice="Reload to see that version; saving again replaces it with yours.",
    )


def _apply(review: Review, cleaned: _Cleaned) -> bool:
    changed = [name for name, value in cleaned.fields.items() if getattr(review, name) != value]
    for name in changed:
        setattr(review, name, cleaned.fields[name])
    rows = {s.criterion_id: s for s in review.scores.all()}
    touched = []
    for criterion_id, parts in cleaned.scores.items():
        row = rows.get(criterion_id) or CriterionScore(review=review, criterion_id=criterion_id)
        before = (row.score, row.comment_to_applicant, row.pk)
        if "score" in parts:
            row.score = parts["score"]
        if "comment" in parts:
            row.comment_to_applicant = parts["comment"]
        if (row.score, row.comment_to_applicant, row.pk) != before:
            row.save()
            touched.append(criterion_id)
    if not changed and not touched:
        return False
    review.version += 1
    review.save(update_fields=[*changed, "version", "saved_at"])
    return True


def review_save(
    *,
    assignment: ReviewAssignment,
    reviewer: User,
    values: dict[str, Any],
    expected_version: int | None,
) -> Review:
    """Save any subset of a draft review: `score_<criterion id>`, `comment_<criterion id>`,
    `comment_to_panel`, `confidence`, `recommendation`. All or nothing: a refused value raises
    ValidationError by field; a save based on an older version raises EditConflict."""
    with transaction.atomic():
        review = _locked_review(assignment, reviewer)
        _check_version(review, expected_version, reviewer)
        cleaned = _clean(values, _criteria(assignment.proposal))
        # Autosave saves every few seconds: the log has the start and the submission, not each
        # keystroke's save.
        _apply(review, cleaned)
    return review


def weighted_total(review: Review) -> Decimal:
    """Sum over the call's criteria of weight x score."""
    return sum(
        (s.criterion.weight * s.score for s in review.scores.select_related("criterion")),
        Decimal("0"),
    )


def review_submit(
    *,
    assignment: ReviewAssignment,
    reviewer: User,
    values: dict[str, Any] | None = None,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Review:
    """Save `values` (if any) and submit, all or nothing: every criterion scored within its
    scale, a confidence and a recommendation (pages save the draft first, so a refused
    submission keeps what was typed). The weighted total is stored; the assignment is
    submitted. Accepted after the deadline too (the officer sees it late). A submitted review
    is final."""
    now = now or timezone.now()
    with transaction.atomic():
        review = _locked_review(assignment, reviewer)
        _check_version(review, expected_version, reviewer)
        criteria = _criteria(assignment.proposal)
        if values:
            _apply(review, _clean(values, criteria))
        errors: dict[str, list[str]] = {}
        scored = {s.criterion_id: s.score for s in review.scores.all()}
        for criterion in criteria:
            if scored.get(criterion.pk) is None:
                errors[score_field(criterion.pk)] = [
                    f"Score {criterion.name} from {criterion.scale_min} to {criterion.scale_max}."
                ]
        if not review.confidence:
            errors["confidence"] = ["Say how confident you are in this review."]
        if not review.recommendation:
            errors["recommendation"] = ["Give your overall recommendation."]
        if errors:
            raise ValidationError(errors, code="incomplete")
        review.weighted_total = weighted_total(review)
        review.status = Review.Status.SUBMITTED
        review.submitted_at = now
        review.version += 1
        review.save(
            update_fields=["weighted_total", "status", "submitted_at", "version", "saved_at"]
        )
        ReviewAssignment.objects.filter(pk=assignment.pk).update(status=A.SUBMITTED)
        late = assignment.deadline is not None and now > assignment.deadline
        activity_record(
            actor=reviewer,
            verb="review.submit",
            target=assignment.proposal,
            data={"weighted_total": str(review.weighted_total), "late": late},
        )
        proposals_waiting_refresh(proposal_ids=[assignment.proposal_id])
    assignment.status = A.SUBMITTED
    return review


# --- reminders -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReminderResult:
    reminded: int
    overdue: int


def _reminder_due(assignment: ReviewAssignment, now: datetime) -> str | None:
    """The reminder this assignment is due now and has not had: overdue past the deadline,
    else the latest of 2 and 7 days before whose time has come."""
    current = REMINDER_ORDER[assignment.last_reminder or R.NONE]
    if now > assignment.deadline:
        return R.OVERDUE if current < REMINDER_ORDER[R.OVERDUE] else None
    for days, mark in REMINDERS:
        if now >= assignment.deadline - timedelta(days=days):
            return mark if current < REMINDER_ORDER[mark] else None
    return None


def review_reminders_send(*, now: datetime | None = None) -> ReminderResult:
    """Periodic: remind each open assignment's reviewer 7 and 2 days before the deadline, then
    tell them once it is overdue. Each at most once (the mark on the assignment, and the
    outbox's key), whenever the job runs: a job that missed the 7-day mark sends the 2-day one."""
    now = now or timezone.now()
    reminded = overdue = 0
    horizon = now + timedelta(days=max(days for days, _ in REMINDERS))
    candidates = (
        ReviewAssignment.objects.filter(
            status__in=OPEN_STATUSES, deadline__isnull=False, deadline__lte=horizon
        )
        .exclude(last_reminder=R.OVERDUE)
        .select_related("reviewer", "proposal", "proposal__call")
        .order_by("pk")
    )
    for candidate in candidates:
        with transaction.atomic():
            assignment = (
                ReviewAssignment.objects.select_for_update()
                .select_related("reviewer", "proposal", "proposal__call")
                .get(pk=candidate.pk)
            )
            if assignment.status not in OPEN_STATUSES:
                continue
            mark = _reminder_due(assignment, now)
            if mark is None:
                continue
            if not assignment.reviewer.has_perm("reviews.write_review", assignment):
                continue  # a conflict found since: the proposal is no longer theirs to review
            proposal = assignment.proposal
            reviewer = assignment.reviewer
            notification_enqueue(
                to_email=reviewer.email,
                recipient=reviewer,
                template="review_overdue" if mark == R.OVERDUE else "review_reminder",
                context={
                    "recipient_name": reviewer.display_name,
                    "reference": proposal.reference or "",
                    "title": proposal.title,
                    "review_path": reverse("reviews:review", kwargs={"pk": assignment.pk}),
                    "deadline": describe_instant(
                        assignment.deadline, proposal.call.display_timezone
                    ),
                },
                idempotency_key=f"review.remind:{assignment.pk}:{mark}",
                about="Review",
            )
            assignment.last_reminder = mark
            assignment.save(update_fields=["last_reminder"])
            activity_record(
                actor=None, verb="review.remind", target=proposal, data={"reminder": mark}
            )
            if mark == R.OVERDUE:
                overdue += 1
            else:
                reminded += 1
    return ReminderResult(reminded=reminded, overdue=overdue)
