"""The panel ranking pages: the ranking table of a peer-reviewed cut-off (officers act on it; the
call's panel reviewers read it without the rows they are conflicted with), the moves, notes and
closing of the panel, each proposal's panel notes, and the funding line's preview and
application.

Anyone else (an applicant, an assessor, a reviewer of another call) gets a 404. Writes go
through reviews.services.ranking and reviews.services.funding_line.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from applications.models import Proposal
from applications.views.service_errors import form_add_service_errors, service_error_messages
from portal.auth import login_required
from reviews.forms.ranking import FundingLineForm, MoveForm, PanelNoteForm
from reviews.selectors import ranking as selectors
from reviews.services import funding_line as funding
from reviews.services import ranking as services


def _cutoff_for(request, pk: int):
    cutoff = selectors.cutoff_for_ranking(pk=pk)
    if cutoff is None or not request.user.has_perm("reviews.view_panel_ranking", cutoff):
        raise Http404
    return cutoff


def _is_officer(user) -> bool:
    return user.has_perm(services.PERM)


def _page(request, cutoff, *, move_form=None, status=200):
    officer = _is_officer(request.user)
    table = selectors.ranking_table(cutoff=cutoff, hidden_from=None if officer else request.user)
    return render(
        request,
        "reviews/officer/ranking.html",
        {
            "cutoff": cutoff,
            "call": cutoff.call,
            "table": table,
            "officer": officer,
            "move_form": move_form,
            "move_data": move_form.data if move_form is not None else {},
            "pool_count": len(table.plan.pools),
            "row_count": len(table.rows),
            # Each of hundreds of rows links to its notes: the address is built once, the row
            # adds its proposal's id.
            "notes_url": reverse(
                "reviews:ranking_notes", kwargs={"pk": cutoff.pk, "proposal": 1}
            ).removesuffix("1/"),
        },
        status=status,
    )


@login_required
@require_GET
def ranking_page(request, pk: int):
    return _page(request, _cutoff_for(request, pk))


def _officer_cutoff(request, pk: int):
    cutoff = _cutoff_for(request, pk)
    if not _is_officer(request.user):
        raise Http404
    return cutoff


def _proposal_of(cutoff, pk) -> Proposal | None:
    return Proposal.objects.filter(pk=pk, cutoff=cutoff).first()


@login_required
@require_POST
def ranking_move(request, pk: int):
    cutoff = _officer_cutoff(request, pk)
    form = MoveForm(request.POST)
    if form.is_valid():
        proposal = _proposal_of(cutoff, form.cleaned_data["proposal"])
        table = selectors.ranking_table(cutoff=cutoff)
        order = [row.proposal.pk for row in table.rows]
        if proposal is None or proposal.pk not in order:
            form.add_error(None, "This proposal is not in the cut-off's ranking.")
        else:
            try:
                version = services.ranking_move(
                    cutoff=cutoff,
                    proposal=proposal,
                    to=form.target(order.index(proposal.pk) + 1),
                    reason=form.cleaned_data["reason"],
                    by=request.user,
                )
            except ValidationError as exc:
                form_add_service_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    f"{proposal.reference} moved to position {version.change['to']} "
                    f"(version {version.number}).",
                )
                return redirect("reviews:ranking", pk=cutoff.pk)
    return _page(request, cutoff, move_form=form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def ranking_notes(request, pk: int, proposal: int):
    """One proposal's panel notes; officers add to them while the panel is open."""
    cutoff = _cutoff_for(request, pk)
    officer = _is_officer(request.user)
    if request.method == "POST" and not officer:
        raise Http404
    found = selectors.panel_notes(
        cutoff=cutoff, proposal_id=proposal, hidden_from=None if officer else request.user
    )
    if found is None:
        raise Http404
    form = PanelNoteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.panel_note_add(
                proposal=found.proposal, text=form.cleaned_data["text"], by=request.user
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, f"Panel note added to {found.proposal.reference}.")
            return redirect("reviews:ranking_notes", pk=cutoff.pk, proposal=found.proposal.pk)
    return render(
        request,
        "reviews/officer/ranking_notes.html",
        {
            "cutoff": cutoff,
            "call": cutoff.call,
            "proposal": found.proposal,
            "notes": found.notes,
            "officer": officer,
            "frozen": found.frozen,
            "form": form,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def ranking_close(request, pk: int):
    cutoff = _officer_cutoff(request, pk)
    try:
        services.panel_close(cutoff=cutoff, by=request.user)
    except ValidationError as exc:
        for message in service_error_messages(exc).values():
            messages.error(request, " ".join(message))
    else:
        messages.success(request, "The panel is closed; the ranking is frozen.")
    return redirect("reviews:ranking", pk=cutoff.pk)


@login_required
@require_http_methods(["GET", "POST"])
def funding_line_page(request, pk: int):
    cutoff = _officer_cutoff(request, pk)
    previewing = request.method == "POST" or "waitlist_size" in request.GET
    data = request.POST if request.method == "POST" else (request.GET if previewing else None)
    form = FundingLineForm(data)
    preview, error = None, ""
    if previewing and form.is_valid():
        size = form.cleaned_data["waitlist_size"]
        try:
            if request.method == "POST":
                funding.funding_line_apply(
                    cutoff=cutoff,
                    waitlist_size=size,
                    by=request.user,
                    with_review_comments=form.cleaned_data["with_review_comments"],
                )
                messages.success(
                    request, "The funding line is applied; the decision mails wait for your review."
                )
                return redirect("reviews:ranking", pk=cutoff.pk)
            preview = funding.funding_line_preview(
                cutoff=cutoff, waitlist_size=size, by=request.user
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
    elif previewing is False:
        form = FundingLineForm(initial={"waitlist_size": 0, "with_review_comments": True})
        error = funding.funding_line_blocker(cutoff=cutoff)
    rows = []
    if preview is not None:
        by_id = {row.proposal.pk: row for row in preview.table.rows}
        rows = [(by_id[d.proposal_id], d) for d in preview.plan.decisions]
    return render(
        request,
        "reviews/officer/funding_line.html",
        {
            "cutoff": cutoff,
            "call": cutoff.call,
            "form": form,
            "preview": preview,
            "rows": rows,
            "error": error,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def reviewer_panels(request):
    if not request.user.has_perm("reviews.view_reviewer_home"):
        raise Http404
    return render(
        request,
        "reviews/reviewer/panels.html",
        {"cutoffs": selectors.panel_cutoffs_for_reviewer(reviewer=request.user)},
    )


urlpatterns = [
    path("ranking/cutoffs/<int:pk>/", ranking_page, name="ranking"),
    path("ranking/cutoffs/<int:pk>/move/", ranking_move, name="ranking_move"),
    path("ranking/cutoffs/<int:pk>/notes/<int:proposal>/", ranking_notes, name="ranking_notes"),
    path("ranking/cutoffs/<int:pk>/close/", ranking_close, name="ranking_close"),
    path("ranking/cutoffs/<int:pk>/funding-line/", funding_line_page, name="funding_line"),
    path("reviews/panels/", reviewer_panels, name="reviewer_panels"),
]
