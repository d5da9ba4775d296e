"""The read-only overview of a proposal: what was (or will be) submitted, and what comes next."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_GET

from applications.deadlines import format_deadline
from applications.models import AI_ACT_QUESTIONS, PdfStatus, Proposal
from applications.selectors.proposals import proposal_history_for
from applications.selectors.time_to_access import proposal_clock
from applications.workflow import workflow_for

from .access import applicant_login_required, visible_proposal
from .pages import base_context, upcoming_phases


@applicant_login_required
@require_GET
def proposal_detail(request, pk: int):
    proposal = visible_proposal(request, pk)
    context = base_context(request, proposal)
    context.update(_overview_context(proposal))
    if request.user.has_perm("applications.view_time_to_access", proposal):
        context["access_clock"] = proposal_clock(proposal=proposal)
        # Officers have their own view of a proposal (the evaluation's, reviews:officer_proposal).
        context["officer_reads"] = True
    context["history"] = proposal_history_for(proposal=proposal, user=request.user)
    # The right of reply, once opened, stays readable by the team (its page is the evaluation's).
    context["reply_opened"] = request.user.has_perm("reviews.reply_to_reviews", proposal)
    return render(request, "applications/proposals/detail.html", context)


def _overview_context(proposal: Proposal) -> dict:
    answers = proposal.ai_act_answers or {}
    return {
        "team": list(proposal.team.select_related("user")),
        "requests": list(
            proposal.requests.select_related("offered_partition__partition__centre").order_by("id")
        ),
        "attachments": list(proposal.attachments.all()),
        "ai_act": [(question, answers.get(key, "")) for key, question in AI_ACT_QUESTIONS.items()],
        "submitted_at": format_deadline(proposal.submitted_at),
        "pdf_ready": proposal.pdf_status == PdfStatus.READY and bool(proposal.pdf),
        "pdf_retrying": proposal.pdf_next_attempt_at is not None,
        "phase": workflow_for(proposal.call).phase(proposal.status),
        "upcoming": upcoming_phases(proposal),
    }
