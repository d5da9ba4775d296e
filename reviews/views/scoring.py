"""The reviewer's review of an assigned proposal (the proposal read-only beside the form, autosave,
save, submit; after submitting, the other reviews as "Reviewer N" and the applicant's reply), and
the officer's review progress of a cut-off.

Only the assignment's reviewer reaches the review (reviews.write_review): someone else, a
conflicted reviewer, a declined or removed assignment get a 404; an assigned reviewer who has not
yet confirmed having no conflict is sent to that check first."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from applications.models import AI_ACT_QUESTIONS, CutOff
from applications.services.proposals import EditConflict
from applications.views.service_errors import form_add_service_errors, service_error_messages
from portal.auth import login_required
from reviews.forms.reviews import ReviewForm
from reviews.models import INACTIVE_ASSIGNMENT_STATUSES, ReviewAssignment
from reviews.selectors import reviews as selectors
from reviews.selectors.conflicts import proposal_open_to_conflict_check
from reviews.services import reviews as services


def _assignment(request, pk: int) -> ReviewAssignment:
    assignment = selectors.reviewer_assignment(reviewer=request.user, pk=pk)
    if assignment is not None:
        return assignment
    own = (
        ReviewAssignment.objects.filter(pk=pk, reviewer_id=request.user.pk)
        .exclude(status__in=INACTIVE_ASSIGNMENT_STATUSES)
        .select_related("proposal")
        .first()
    )
    if (
        own is not None
        and request.user.has_perm("reviews.view_reviewer_home")
        and proposal_open_to_conflict_check(reviewer=request.user, proposal=own.proposal)
    ):
        # Assigned and open to them, but the no-conflict step comes before the body.
        raise _ToConflictCheck(own.proposal_id)
    raise Http404("No such review.")


class _ToConflictCheck(Exception):  # noqa: N818 - a redirect, not an error
    def __init__(self, proposal_id: int):
        self.proposal_id = proposal_id


def _posted_version(request) -> int | None:
    raw = request.POST.get("version", "")
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 10 or int(raw) < 1:
        return None
    return int(raw)


BAD_VERSION_MESSAGE = (
    "Not saved: the page did not say which version of the review it shows. Copy your text, "
    "reload the page and paste it again."
)


@dataclass
class SaveOutcome:
    saved: bool = False
    conflict: EditConflict | None = None
    version_refused: bool = False
    version: int | None = None
    failed: list[str] = field(default_factory=list)


def _save(request, assignment: ReviewAssignment, form: ReviewForm) -> SaveOutcome:
    """Save what passed the checks; a value the service refuses keeps its error beside the field
    and the others are saved anyway, so nothing typed is lost."""
    form.is_valid()
    values = form.review_values()
    expected = _posted_version(request)
    outcome = SaveOutcome()
    if expected is None:
        form.add_error(None, BAD_VERSION_MESSAGE)
        outcome.version_refused = True
        return outcome
    for _ in range(3):
        try:
            review = services.review_save(
                assignment=assignment,
                reviewer=request.user,
                values=values,
                expected_version=expected,
            )
        except EditConflict as exc:
            outcome.conflict = exc
            break
        except ValidationError as exc:
            form_add_service_errors(form, exc)
            refused = service_error_messages(exc)
            remaining = {k: v for k, v in values.items() if k not in refused}
            if remaining == values:
                break  # not about a field (e.g. submitted meanwhile)
            values = remaining
        else:
            outcome.saved = True
            outcome.version = review.version
            break
    outcome.failed = list(form.errors)
    return outcome


def _body_context(assignment: ReviewAssignment) -> dict:
    proposal = assignment.proposal
    answers = proposal.ai_act_answers or {}
    return {
        "team": list(proposal.team.select_related("user")),
        "requests": list(proposal.requests.select_related("offered_partition__partition")),
        "attachments": list(proposal.attachments.all()),
        "ai_act": [(q, answers.get(k, "")) for k, q in AI_ACT_QUESTIONS.items()],
    }


def _render_review(request, assignment, *, form=None, conflict=None, status=200, version=None):
    review = selectors.review_of(assignment)
    criteria = selectors.criteria_of(assignment.proposal)
    if form is None:
        form = ReviewForm(criteria=criteria, review=review)
    now = timezone.now()
    context = {
        "assignment": assignment,
        "proposal": assignment.proposal,
        "review": review,
        "form": form,
        "conflict": conflict,
        # After a conflict the page stays on the version it had: saving over is a choice.
        "version": version or (review.version if review else 1),
        "submitted": review is not None and review.is_submitted,
        "overdue": assignment.deadline is not None and now > assignment.deadline,
        "others": selectors.others_reviews(assignment=assignment, own=review),
        "others_setting": selectors.others_visible(assignment.proposal.call_id),
        "reply": selectors.submitted_reply(assignment.proposal)
        if review is not None and review.is_submitted
        else None,
        **_body_context(assignment),
    }
    return render(request, "reviews/reviewer/review.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def review_page(request, pk: int):
    try:
        assignment = _assignment(request, pk)
    except _ToConflictCheck as to_check:
        messages.info(
            request, "Before you read this proposal, say whether you have a conflict with it."
        )
        return redirect("reviews:conflict_check", pk=to_check.proposal_id)
    if request.method == "GET":
        return _render_review(request, assignment)
    review = selectors.review_of(assignment)
    if review is not None and review.is_submitted:
        messages.error(request, "This review is submitted and can no longer be changed.")
        return redirect("reviews:review", pk=assignment.pk)
    criteria = selectors.criteria_of(assignment.proposal)
    form = ReviewForm(request.POST, criteria=criteria, review=review)
    outcome = _save(request, assignment, form)
    if outcome.conflict is not None:
        form.add_error(None, outcome.conflict.messages)
        return _render_review(
            request,
            assignment,
            form=form,
            conflict=outcome.conflict,
            status=409,
            version=outcome.conflict.expected_version,
        )
    if outcome.version_refused:
        return _render_review(request, assignment, form=form, status=400)
    if form.errors:
        messages.error(
            request,
            "Some fields need your attention; the others were saved. Nothing you typed is lost.",
        )
        return _render_review(request, assignment, form=form, status=400)
    if request.POST.get("action") == "submit":
        try:
            services.review_submit(assignment=assignment, reviewer=request.user)
        except ValidationError as exc:
            form = ReviewForm(request.POST, criteria=criteria, review=review)
            form.is_valid()
            form_add_service_errors(form, exc)
            messages.error(
                request,
                "Your draft is saved, but the review cannot be submitted yet: complete the "
                "fields marked in red.",
            )
            return _render_review(request, assignment, form=form, status=400)
        messages.success(request, "Your review is submitted. Thank you.")
        return redirect("reviews:review", pk=assignment.pk)
    messages.success(request, f"Your draft is saved at {timezone.localtime():%H:%M}.")
    return redirect("reviews:review", pk=assignment.pk)


@login_required
@require_POST
def review_autosave(request, pk: int):
    """htmx: save the draft as the reviewer types; answer with the save status, the new version
    and each field's errors (swapped out of band, so the inputs and the cursor stay put)."""
    try:
        assignment = _assignment(request, pk)
    except _ToConflictCheck as exc:
        raise Http404 from exc
    review = selectors.review_of(assignment)
    if review is not None and review.is_submitted:
        return render(
            request,
            "reviews/reviewer/_review_save_status.html",
            {"state": "locked", "message": "Not saved: this review is already submitted."},
            status=403,
        )
    criteria = selectors.criteria_of(assignment.proposal)
    form = ReviewForm(request.POST, criteria=criteria, review=review)
    try:
        outcome = _save(request, assignment, form)
    except PermissionDenied as exc:
        raise Http404 from exc
    if outcome.conflict is not None:
        state = "conflict"
    elif form.errors:
        state = "errors"
    else:
        state = "saved"
    return render(
        request,
        "reviews/reviewer/_review_save_status.html",
        {
            "state": state,
            "assignment": assignment,
            "outcome": outcome,
            "form": form,
            "conflict": outcome.conflict,
            "saved_at": f"{timezone.localtime():%H:%M}",
            "oob": True,
        },
        status=409 if state == "conflict" else 400 if outcome.version_refused else 200,
    )


# --- officer ---------------------------------------------------------------------------------


@login_required
@require_GET
def cutoff_reviews(request, pk: int):
    if not request.user.has_perm("reviews.view_review_progress"):
        raise Http404
    cutoff = get_object_or_404(CutOff.objects.select_related("call"), pk=pk)
    return render(
        request,
        "reviews/officer/cutoff_reviews.html",
        {"cutoff": cutoff, "progress": selectors.cutoff_review_progress(cutoff=cutoff)},
    )


urlpatterns = [
    path("reviews/assignments/<int:pk>/review/", review_page, name="review"),
    path("reviews/assignments/<int:pk>/review/autosave/", review_autosave, name="review_autosave"),
    path("cutoffs/<int:pk>/reviews/", cutoff_reviews, name="cutoff_reviews"),
]
