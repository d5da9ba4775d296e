"""The PDF of a submitted proposal: what the applicant sent, as reviewers and officers read it."""

from __future__ import annotations

from django.utils import timezone

from applications.models import AI_ACT_QUESTIONS, Proposal
from applications.selectors.proposals import describe_cutoff, describe_instant, proposal_for_pdf
from portal.pdf import render_pdf

PROPOSAL_PDF_TEMPLATE = "applications/pdf/proposal.html"


def proposal_pdf_context(*, proposal: Proposal) -> dict:
    call = proposal.call
    answers = proposal.ai_act_answers or {}
    return {
        "proposal": proposal,
        "call": call,
        "organisation": proposal.organisation,
        "team": list(proposal.team.all()),
        "requests": list(proposal.requests.all()),
        "attachments": list(proposal.attachments.all()),
        "ai_act": [(question, answers.get(key, "")) for key, question in AI_ACT_QUESTIONS.items()],
        "inference_percent": (
            100 - proposal.training_share_percent
            if proposal.training_share_percent is not None
            else None
        ),
        "cutoff_text": describe_cutoff(proposal.cutoff),
        "submitted_text": describe_instant(proposal.submitted_at, call.display_timezone)
        if proposal.submitted_at
        else "",
        "generated_text": describe_instant(timezone.now(), call.display_timezone),
    }


def proposal_pdf_bytes(*, proposal: Proposal) -> bytes:
    """Render the proposal (read afresh, with team, requests and attachments) to PDF bytes."""
    proposal = proposal_for_pdf(pk=proposal.pk)
    return render_pdf(
        template=PROPOSAL_PDF_TEMPLATE, context=proposal_pdf_context(proposal=proposal)
    )
