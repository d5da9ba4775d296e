"""What every proposal page shows around its content: the section navigation with each
section's completeness, the deadline and what the user may do next."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from django.shortcuts import render
from django.urls import reverse

from applications.deadlines import format_deadline
from applications.forms.proposals import SECTIONS, SECTIONS_BY_KEY
from applications.models import Proposal
from applications.selectors.proposals import (
    completeness_percent,
    proposal_sections_completeness,
)
from applications.services.proposals import ProposalConflict
from applications.workflow import workflow_for


def section_url(proposal: Proposal, key: str) -> str:
    return reverse("applications:proposal_section", kwargs={"pk": proposal.pk, "section": key})


@dataclass
class NavItem:
    key: str
    label: str
    url: str
    done: int | None = None
    total: int | None = None
    complete: bool | None = None
    current: bool = False


def navigation(proposal: Proposal, current: str | None) -> tuple[list[NavItem], int]:
    completeness = {s.key: s for s in proposal_sections_completeness(proposal=proposal)}
    items = []
    for section in SECTIONS:
        state = completeness.get(section.key)
        items.append(
            NavItem(
                key=section.key,
                label=section.label,
                url=section_url(proposal, section.key),
                done=state.done if state else None,
                total=state.total if state else None,
                complete=state.complete if state else None,
                current=section.key == current,
            )
        )
    return items, completeness_percent(list(completeness.values()))


def base_context(request, proposal: Proposal, current: str | None = None) -> dict:
    section_nav, percent = navigation(proposal, current)
    keys = [s.key for s in SECTIONS]
    index = keys.index(current) if current in keys else -1
    return {
        "proposal": proposal,
        "call": proposal.call,
        "section_nav": section_nav,
        "percent_complete": percent,
        "section_key": current,
        "section": SECTIONS_BY_KEY.get(current),
        "previous_section": SECTIONS[index - 1] if index > 0 else None,
        "next_section": SECTIONS[index + 1] if 0 <= index < len(SECTIONS) - 1 else None,
        "deadline": format_deadline(proposal.cutoff.at),
        "can_change": request.user.has_perm("applications.change_proposal", proposal),
        "can_submit": request.user.has_perm("applications.submit_proposal", proposal),
        "can_withdraw": request.user.has_perm("applications.withdraw_proposal", proposal),
    }


def conflict_context(conflict: ProposalConflict | None) -> dict | None:
    if conflict is None:
        return None
    return {"message": " ".join(conflict.messages), "version": conflict.current_version}


def posted_editor_token(request) -> str:
    """The section page's editor token sent with a save ("" when absent or malformed)."""
    token = request.POST.get("editor", "")
    return token if re.fullmatch(r"[0-9a-f]{32}", token) else ""


def render_section(
    request, proposal, spec, *, form=None, conflict=None, status=200, **section_context
):
    """A section page; the list sections (team, resources, attachments) pass their own
    context, built by their modules."""
    context = base_context(request, proposal, spec.key)
    context.update(
        {
            "form": form,
            "form_id": "section-form" if form is not None else None,
            "conflict": conflict_context(conflict),
            # Kept across a re-rendered POST, so the page stays the same editor.
            "editor_token": posted_editor_token(request) or uuid.uuid4().hex,
        }
    )
    context.update(section_context)
    return render(
        request, f"applications/proposals/section_{spec.key}.html", context, status=status
    )


def upcoming_phases(proposal: Proposal) -> list[str]:
    """The steps still ahead on the call's usual route (from the workflow table)."""
    route = workflow_for(proposal.call).route_phases(proposal.call)
    statuses = [phase.status for phase in route]
    if proposal.status not in statuses:
        return []
    return [phase.applicant_label for phase in route[statuses.index(proposal.status) + 1 :]]
