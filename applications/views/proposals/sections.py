"""The proposal form, section by section: the page with its Save button, and the autosave
endpoint htmx calls as the applicant types. A save never loses what was typed: fields the
service refuses keep their error, the others are saved."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from applications.forms.proposals import SECTIONS_BY_KEY
from applications.models import Proposal
from applications.services import proposals as proposal_services
from applications.services.proposals import ProposalConflict
from applications.views.service_errors import form_add_service_errors, service_error_messages

from .access import applicant_login_required, locked_redirect, visible_proposal
from .attachments import attachments_context
from .pages import (
    conflict_context,
    navigation,
    posted_editor_token,
    render_section,
    section_url,
)
from .resources import resources_context
from .team import team_context

# The sections that list things (people, requests, files) have no form of their own: each
# thing is saved by its own view, and the page is built from the module that owns it.
LIST_SECTION_CONTEXTS = {
    "team": team_context,
    "resources": resources_context,
    "attachments": attachments_context,
}


@dataclass
class SaveOutcome:
    proposal: Proposal
    saved: bool = False
    conflict: ProposalConflict | None = None
    saved_at: str = ""
    failed_fields: list[str] = field(default_factory=list)
    version_refused: bool = False  # the page sent no usable version: nothing was saved


# Each section page gets an editor token (a hidden input), and every version a page saves is
# remembered against it for a while. A conflict whose newer versions all came from the same page
# is that page's own autosave overtaking its Save button, not a teammate's edit.
EDITOR_MEMORY_SECONDS = 6 * 3600


def _version_key(proposal: Proposal, version: int) -> str:
    return f"proposal-editor:{proposal.pk}:{version}"


def _remember_editor(proposal: Proposal, editor: str) -> None:
    if editor:
        cache.set(_version_key(proposal, proposal.version), editor, EDITOR_MEMORY_SECONDS)


def _only_this_page_saved_since(proposal: Proposal, editor: str, conflict) -> bool:
    # A page far behind is stale whoever saved since (and the lookup stays small).
    if not editor or not 0 < conflict.current_version - conflict.expected_version <= 20:
        return False
    versions = range(conflict.expected_version + 1, conflict.current_version + 1)
    keys = [_version_key(proposal, v) for v in versions]
    remembered = cache.get_many(keys)
    return len(keys) > 0 and all(remembered.get(key) == editor for key in keys)


BAD_VERSION_MESSAGE = (
    "Not saved: the page did not say which version of the proposal it shows. Copy your text, "
    "reload the page and paste it again."
)


def _posted_version(request) -> int | None:
    """The proposal version the page was loaded at; None when it is missing or not a positive
    whole number. Such a save is refused: saving it anyway would skip the check that keeps a
    teammate's newer edit from being overwritten."""
    raw = request.POST.get("version", "")
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 10 or int(raw) < 1:
        return None
    return int(raw)


def _save_section(request, proposal: Proposal, form) -> SaveOutcome:
    """Save what passed the form's checks; fields the service refuses keep their error and the
    others are saved anyway, so one bad value never holds back a whole section."""
    form.is_valid()
    data = form.section_data()
    expected_version = _posted_version(request)
    if expected_version is None:
        form.add_error(None, BAD_VERSION_MESSAGE)
        return SaveOutcome(proposal=proposal, failed_fields=list(form.errors), version_refused=True)
    editor = posted_editor_token(request)
    outcome = SaveOutcome(proposal=proposal)
    attempts = 0
    while data and attempts < 5:
        attempts += 1
        try:
            outcome.proposal = proposal_services.proposal_update(
                proposal=proposal, by=request.user, data=data, expected_version=expected_version
            )
        except ProposalConflict as exc:
            if _only_this_page_saved_since(proposal, editor, exc):
                # This page's own autosave overtook its click on "Save": build on it.
                expected_version = exc.current_version
                continue
            outcome.conflict = exc
            break
        except ValidationError as exc:
            form_add_service_errors(form, exc)
            refused = service_error_messages(exc)
            remaining = {k: v for k, v in data.items() if k not in refused}
            if remaining == data:
                break  # an error not tied to a field (e.g. the proposal got locked)
            data = remaining
        else:
            outcome.saved = True
            _remember_editor(outcome.proposal, editor)
            break
    if not data and not form.errors:
        outcome.saved = True
    outcome.failed_fields = list(form.errors)
    outcome.saved_at = timezone.localtime().strftime("%H:%M")
    return outcome


def _render_section_page(request, proposal: Proposal, spec, **kwargs):
    list_context = LIST_SECTION_CONTEXTS.get(spec.key)
    return render_section(
        request, proposal, spec, **kwargs, **(list_context(proposal) if list_context else {})
    )


@applicant_login_required
@require_http_methods(["GET", "POST"])
def proposal_section(request, pk: int, section: str):
    spec = SECTIONS_BY_KEY.get(section)
    if spec is None:
        raise Http404("No such section.")
    proposal = visible_proposal(request, pk)
    if not request.user.has_perm("applications.change_proposal", proposal):
        if request.method == "POST":
            raise PermissionDenied("This proposal cannot be edited.")
        return locked_redirect(request, proposal)
    goto = request.POST.get("goto", "") if request.method == "POST" else ""
    if spec.form_class is None:
        # Team, requests and attachments save through their own forms; navigating just moves.
        if request.method == "POST":
            return redirect(section_url(proposal, goto if goto in SECTIONS_BY_KEY else section))
        return _render_section_page(request, proposal, spec)
    form = spec.form_class(request.POST if request.method == "POST" else None, proposal=proposal)
    if request.method == "GET":
        return _render_section_page(request, proposal, spec, form=form)
    outcome = _save_section(request, proposal, form)
    if outcome.conflict is not None:
        return _render_section_page(
            request, outcome.proposal, spec, form=form, conflict=outcome.conflict, status=409
        )
    if outcome.version_refused:
        return _render_section_page(request, outcome.proposal, spec, form=form, status=400)
    if form.errors:
        messages.error(
            request,
            "Some fields need your attention; the others were saved. Nothing you typed is lost.",
        )
        return _render_section_page(request, outcome.proposal, spec, form=form)
    if goto in SECTIONS_BY_KEY:
        return redirect(section_url(proposal, goto))
    if goto == "submit":
        return redirect("applications:proposal_submit", pk=proposal.pk)
    messages.success(request, f"Saved at {outcome.saved_at}.")
    return redirect(section_url(proposal, section))


@applicant_login_required
@require_POST
def proposal_autosave(request, pk: int, section: str):
    """htmx: save a section as the applicant types; answer with the save status, the new version
    and each field's errors (swapped out of band, so the inputs and the cursor stay put)."""
    spec = SECTIONS_BY_KEY.get(section)
    if spec is None or spec.form_class is None:
        raise Http404("No such section.")
    proposal = visible_proposal(request, pk)
    if not request.user.has_perm("applications.change_proposal", proposal):
        return render(
            request,
            "applications/proposals/_save_status.html",
            {
                "state": "locked",
                "message": f"Not saved: this proposal is {proposal.get_status_display().lower()} "
                "and can no longer be edited.",
            },
            status=403,
        )
    form = spec.form_class(request.POST, proposal=proposal)
    outcome = _save_section(request, proposal, form)
    if outcome.conflict is not None:
        state = "conflict"
    elif form.errors:
        state = "errors"
    else:
        state = "saved"
    section_nav, percent = navigation(outcome.proposal, section)
    return render(
        request,
        "applications/proposals/_save_status.html",
        {
            "state": state,
            "outcome": outcome,
            "form": form,
            "proposal": outcome.proposal,
            "conflict": conflict_context(outcome.conflict),
            "section_nav": section_nav,
            "percent_complete": percent,
            "section_key": section,
            "oob": True,
        },
        status=409 if state == "conflict" else 400 if outcome.version_refused else 200,
    )
