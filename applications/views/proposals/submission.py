"""Submitting a proposal (with every problem that stops it, linked to where it is fixed) and
withdrawing it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from applications.deadlines import format_deadline
from applications.forms.proposals import SECTIONS, SECTIONS_BY_KEY, WithdrawForm
from applications.models import Proposal
from applications.selectors import proposals as proposal_selectors
from applications.selectors.proposals import proposal_submission_problems
from applications.services import proposals as proposal_services
from applications.views.service_errors import form_add_service_errors, service_error_messages

from .access import applicant_login_required, locked_redirect, visible_proposal
from .pages import base_context, section_url


def _problem_field_sections() -> dict[str, str]:
    """Which section a problem's field belongs to, from the selectors' requirements and the
    forms' fields, so each problem links to where it is fixed."""
    where: dict[str, str] = {}
    for section in proposal_selectors.SECTIONS:
        for requirement in section.requirements:
            where.setdefault(requirement.field, section.key)
    for section in SECTIONS:
        for name in getattr(section.form_class, "model_fields", ()):
            where.setdefault(name, section.key)
    where.update(
        {name: "resources" for name in ("requests", "hours", "offered_partition", "job_size")}
    )
    where.setdefault("team", "team")
    where.setdefault("attachments", "attachments")
    return where


def _grouped_problems(proposal: Proposal, problems: dict[str, list[str]]) -> list[dict]:
    where = _problem_field_sections()
    groups: dict[str, dict] = {}
    for name, messages_ in problems.items():
        key = where.get(name)
        if key is None:
            group = groups.setdefault("", {"label": "General", "url": "", "messages": []})
        else:
            group = groups.setdefault(
                key,
                {
                    "label": SECTIONS_BY_KEY[key].label,
                    "url": section_url(proposal, key),
                    "messages": [],
                },
            )
        group["messages"].extend(messages_)
    order = {section.key: i for i, section in enumerate(SECTIONS)}
    return [groups[k] for k in sorted(groups, key=lambda k: order.get(k, -1))]


def _not_a_draft(request, proposal: Proposal):
    if proposal.submitted_at is not None:
        when = format_deadline(proposal.submitted_at)
        messages.info(
            request,
            f"This proposal was already submitted on {when}; its reference number is "
            f"{proposal.reference}.",
        )
        return redirect(proposal.get_absolute_url())
    return locked_redirect(request, proposal)


@applicant_login_required
@require_http_methods(["GET", "POST"])
def proposal_submit(request, pk: int):
    proposal = visible_proposal(request, pk)
    if not proposal.is_draft:
        return _not_a_draft(request, proposal)
    if not request.user.has_perm("applications.submit_proposal", proposal):
        raise PermissionDenied("Only members of the applying organisation can submit.")
    problems = None
    if request.method == "POST":
        try:
            proposal = proposal_services.proposal_submit(proposal=proposal, by=request.user)
        except ValidationError as exc:
            if getattr(exc, "code", None) == "not_draft":
                # A second submit that raced the first (a double click, two teammates): the
                # proposal is submitted, which is what the user wanted.
                proposal.refresh_from_db()
                return _not_a_draft(request, proposal)
            problems = service_error_messages(exc)
        else:
            messages.success(
                request,
                f"Submitted. Your reference number is {proposal.reference}. A receipt with the "
                "PDF of your proposal is on its way to the team.",
            )
            return redirect(proposal.get_absolute_url())
    if problems is None:
        problems = proposal_submission_problems(proposal=proposal)
    context = base_context(request, proposal, None)
    context.update(
        {
            "problem_groups": _grouped_problems(proposal, problems),
            "call_deadline": format_deadline(proposal.cutoff.at, proposal.call.display_timezone),
            "deadline_iso": proposal.cutoff.at.isoformat(),
        }
    )
    return render(
        request,
        "applications/proposals/submit.html",
        context,
        status=400 if request.method == "POST" else 200,
    )


@applicant_login_required
@require_http_methods(["GET", "POST"])
def proposal_withdraw(request, pk: int):
    proposal = visible_proposal(request, pk)
    if not request.user.has_perm("applications.withdraw_proposal", proposal):
        if request.method == "POST":
            raise PermissionDenied("This proposal cannot be withdrawn.")
        messages.error(
            request,
            f"This proposal is {proposal.get_status_display().lower()}; it cannot be withdrawn.",
        )
        return redirect(proposal.get_absolute_url())
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            proposal = proposal_services.proposal_withdraw(
                proposal=proposal, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, "The proposal is withdrawn. The team has been told.")
            return redirect(proposal.get_absolute_url())
    context = base_context(request, proposal, None)
    context["form"] = form
    return render(request, "applications/proposals/withdraw.html", context)
