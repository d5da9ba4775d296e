"""The right of reply. The applicant's page: the anonymised reviews and each centre's comment to
the applicant, and the reply form with autosave (htmx, optimistic versions). The officer's page of
a cut-off: open the reply where the reviews are in, send proposals to the panel.

Who may not see a page gets a 404, as everywhere in the evaluation."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from applications.deadlines import format_deadline
from applications.models import CutOff, Proposal, ProposalStatus
from applications.services.replies import (
    ReplyConflict,
    reply_deadline_passed,
    reply_save,
    reply_submit,
)
from applications.views.proposals.access import applicant_login_required
from applications.views.service_errors import form_add_service_errors
from portal.auth import login_required
from reviews.forms.replies import ReplyForm
from reviews.selectors.replies import applicant_reviews, cutoff_reply_page, reply_of
from reviews.services import replies as services

PERM = "reviews.reply_to_reviews"


def _proposal(request, pk: int) -> Proposal:
    proposal = (
        Proposal.objects.select_related("call", "cutoff", "organisation").filter(pk=pk).first()
    )
    if proposal is None or not request.user.has_perm(PERM, proposal):
        raise Http404("No such proposal.")
    return proposal


def _is_open(proposal: Proposal, reply) -> bool:
    return (
        proposal.status == ProposalStatus.IN_REPLY
        and not reply.is_submitted
        and not reply_deadline_passed(reply)
    )


def _page(request, proposal, reply, form, *, conflict=None, status=200):
    return render(
        request,
        "reviews/reply/applicant.html",
        {
            "proposal": proposal,
            "reply": reply,
            "reviews": applicant_reviews(proposal=proposal),
            "form": form,
            "is_open": _is_open(proposal, reply),
            "conflict": conflict,
            "deadline": format_deadline(reply.deadline, proposal.call.display_timezone),
            "word_limit": proposal.call.reply_word_limit,
        },
        status=status,
    )


def _form(proposal, reply, data=None) -> ReplyForm:
    return ReplyForm(
        data,
        initial={"text": reply.text, "version": reply.version},
        word_limit=proposal.call.reply_word_limit,
    )


@applicant_login_required
@require_http_methods(["GET", "POST"])
def proposal_reply(request, pk: int):
    proposal = _proposal(request, pk)
    reply = reply_of(proposal=proposal)
    if request.method == "GET":
        return _page(request, proposal, reply, _form(proposal, reply))
    form = _form(proposal, reply, request.POST)
    if not form.is_valid():
        return _page(request, proposal, reply, form, status=400)
    submit = request.POST.get("action") == "submit"
    service = reply_submit if submit else reply_save
    try:
        reply = service(
            reply=reply,
            by=request.user,
            text=form.cleaned_data["text"],
            expected_version=form.cleaned_data["version"],
        )
    except PermissionDenied as exc:
        raise Http404 from exc
    except ReplyConflict as exc:
        reply.refresh_from_db()
        return _page(request, proposal, reply, form, conflict=exc, status=409)
    except ValidationError as exc:
        form_add_service_errors(form, exc)
        reply.refresh_from_db()
        # A refused submission saved the text first: the page builds on the saved version.
        form.data = form.data.copy()
        form.data["version"] = str(reply.version)
        return _page(request, proposal, reply, form, status=400)
    if submit:
        messages.success(request, "Your reply is submitted; the reviewers and the panel read it.")
    else:
        messages.success(request, f"Saved at {timezone.localtime():%H:%M}.")
    return redirect("reviews:proposal_reply", pk=proposal.pk)


@applicant_login_required
@require_POST
def proposal_reply_autosave(request, pk: int):
    """htmx: save the reply as the applicant types; answer with the save status and the new
    version (out of band, so the text and the cursor stay put)."""
    proposal = _proposal(request, pk)
    reply = reply_of(proposal=proposal)
    form = _form(proposal, reply, request.POST)
    context = {"proposal": proposal, "reply": reply, "oob": True}
    if not form.is_valid():
        errors = [e for field_errors in form.errors.values() for e in field_errors]
        context.update(state="errors", message=" ".join(errors))
        return render(request, "reviews/reply/_save_status.html", context, status=400)
    try:
        reply = reply_save(
            reply=reply,
            by=request.user,
            text=form.cleaned_data["text"],
            expected_version=form.cleaned_data["version"],
        )
    except PermissionDenied as exc:
        raise Http404 from exc
    except ReplyConflict as exc:
        context.update(state="conflict", conflict=exc)
        return render(request, "reviews/reply/_save_status.html", context, status=409)
    except ValidationError as exc:
        context.update(state="locked", message=" ".join(exc.messages))
        return render(request, "reviews/reply/_save_status.html", context, status=403)
    context.update(state="saved", reply=reply, saved_at=f"{timezone.localtime():%H:%M}")
    return render(request, "reviews/reply/_save_status.html", context)


# --- the officer's cut-off ----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def cutoff_reply(request, pk: int):
    if not request.user.has_perm(services.PERM):
        raise Http404
    cutoff = get_object_or_404(CutOff.objects.select_related("call"), pk=pk)
    if not cutoff.call.is_peer_reviewed:
        raise Http404("Only peer-reviewed calls have reviews to reply to.")
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "open":
                outcome = services.cutoff_reply_open(cutoff=cutoff, by=request.user)
                done = "The right of reply opened for"
            elif action == "panel":
                outcome = services.cutoff_send_to_panel(cutoff=cutoff, by=request.user)
                done = "Sent to the panel:"
            else:
                messages.error(
                    request, "Choose to open the right of reply or to send to the panel."
                )
                return redirect("reviews:cutoff_reply", pk=cutoff.pk)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("reviews:cutoff_reply", pk=cutoff.pk)
        n = len(outcome.done)
        messages.success(request, f"{done} {n} proposal{pluralize(n)}.")
        for proposal, reason in outcome.refused:
            messages.error(request, f"{proposal.reference}: {reason}")
        return redirect("reviews:cutoff_reply", pk=cutoff.pk)
    return render(
        request,
        "reviews/officer/cutoff_reply.html",
        {"cutoff": cutoff, "page": cutoff_reply_page(cutoff=cutoff)},
    )


urlpatterns = [
    path("proposals/<int:pk>/reply/", proposal_reply, name="proposal_reply"),
    path(
        "proposals/<int:pk>/reply/autosave/",
        proposal_reply_autosave,
        name="proposal_reply_autosave",
    ),
    path("cutoffs/<int:pk>/reply/", cutoff_reply, name="cutoff_reply"),
]
