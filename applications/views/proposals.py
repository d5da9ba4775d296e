"""Applicant pages: dashboard, proposal form sections with autosave, team, resource requests with
the GPU-hours estimator, attachments and downloads, submit and withdraw.

Views only wire requests to the proposal services and selectors; every rule (limits, PDF checks,
deadlines, states) lives there. Pages never reveal a proposal the user may not see: a 404.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import wraps
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from allocations.units import estimate_hours
from applications.deadlines import format_deadline
from applications.forms.proposals import (
    SECTIONS,
    SECTIONS_BY_KEY,
    AttachmentForm,
    EstimatorForm,
    ProposalStartForm,
    ResourceRequestForm,
    TeamMemberForm,
    WithdrawForm,
)
from applications.models import (
    Attachment,
    Call,
    PdfStatus,
    Proposal,
    ProposalStatus,
    ResourceRequest,
    TeamMember,
)
from applications.selectors import proposals as proposal_selectors
from applications.selectors.proposals import (
    applicant_dashboard,
    completeness_percent,
    proposal_get_for_user,
    proposal_sections_completeness,
    proposal_submission_problems,
)
from applications.services import proposals as proposal_services
from applications.services.proposals import ProposalConflict
from applications.workflow import workflow_for
from portal.models import Notification, Organisation
from portal.services.activity import activity_record

# --- access -----------------------------------------------------------------------------------


def _login_url(next_url: str) -> str:
    return f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': next_url})}"


def _page_path(request) -> str:
    """The page the user is on: for htmx requests, the page that sent it, not the endpoint."""
    if request.htmx and request.htmx.current_url:
        parts = urlsplit(request.htmx.current_url)
        # Only the path and query: never send a user back to another host.
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return request.get_full_path()


def applicant_login_required(view):
    """Like login_required, but an htmx request from an expired session gets a message in place
    (the page and what was typed stay on screen) with a login link that returns to the page."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        if request.htmx:
            return render(
                request,
                "applications/proposals/_session_expired.html",
                {"login_url": _login_url(_page_path(request))},
                status=401,
            )
        return redirect_to_login(request.get_full_path())

    return wrapper


def _proposal(request, pk: int) -> Proposal:
    return proposal_get_for_user(user=request.user, pk=pk)


def _editable_proposal(request, pk: int) -> Proposal:
    """A proposal the user may edit. Someone who may only view it (or a locked proposal) gets
    403 on the endpoints; GET pages redirect to the read-only view instead (see callers)."""
    proposal = _proposal(request, pk)
    if not request.user.has_perm("applications.change_proposal", proposal):
        raise PermissionDenied("This proposal cannot be edited.")
    return proposal


def _locked_redirect(request, proposal: Proposal):
    if proposal.is_draft:
        messages.error(request, "Only members of the applying organisation can edit this draft.")
    else:
        messages.info(
            request,
            f"This proposal is {proposal.get_status_display().lower()} and can no longer be "
            "edited. This is the submitted version.",
        )
    return redirect(proposal.get_absolute_url())


def _errors_of(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return exc.message_dict
    return {"__all__": exc.messages}


def _apply_errors(form, errors: dict[str, list[str]]) -> None:
    """Put a service's errors on the form: on the field when the form has it, else at the top."""
    for name, messages_ in errors.items():
        target = name if name in form.fields else None
        for message in messages_:
            form.add_error(target, message)


# --- shared page context ----------------------------------------------------------------------


def _section_url(proposal: Proposal, key: str) -> str:
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


def _navigation(proposal: Proposal, current: str | None) -> tuple[list[NavItem], int]:
    completeness = {s.key: s for s in proposal_sections_completeness(proposal=proposal)}
    items = []
    for section in SECTIONS:
        state = completeness.get(section.key)
        items.append(
            NavItem(
                key=section.key,
                label=section.label,
                url=_section_url(proposal, section.key),
                done=state.done if state else None,
                total=state.total if state else None,
                complete=state.complete if state else None,
                current=section.key == current,
            )
        )
    return items, completeness_percent(list(completeness.values()))


def _base_context(request, proposal: Proposal, current: str | None = None) -> dict:
    nav, percent = _navigation(proposal, current)
    keys = [s.key for s in SECTIONS]
    index = keys.index(current) if current in keys else -1
    return {
        "proposal": proposal,
        "call": proposal.call,
        "nav": nav,
        "percent_complete": percent,
        "section_key": current,
        "section": SECTIONS_BY_KEY.get(current),
        "previous_section": SECTIONS[index - 1] if index > 0 else None,
        "next_section": SECTIONS[index + 1] if 0 <= index < len(SECTIONS) - 1 else None,
        "deadline": format_deadline(proposal.cutoff.at, seconds=True),
        "can_change": request.user.has_perm("applications.change_proposal", proposal),
        "can_submit": request.user.has_perm("applications.submit_proposal", proposal),
        "can_withdraw": request.user.has_perm("applications.withdraw_proposal", proposal),
    }


# --- dashboard --------------------------------------------------------------------------------


@applicant_login_required
@require_GET
def dashboard(request):
    data = applicant_dashboard(user=request.user)
    for group in data.groups:
        for entry in group.entries:
            entry.upcoming = _upcoming_phases(entry.proposal)
    notifications = list(
        Notification.objects.filter(recipient=request.user, show_in_portal=True).order_by(
            "-created_at", "-id"
        )[:5]
    )
    return render(
        request,
        "applications/dashboard.html",
        {
            "dashboard": data,
            "next_deadline": (
                format_deadline(data.next_deadline.at, seconds=True) if data.next_deadline else ""
            ),
            "notifications": notifications,
        },
    )


def _upcoming_phases(proposal: Proposal) -> list[str]:
    """The steps still ahead on the call's usual route (from the workflow table)."""
    route = workflow_for(proposal.call).route_phases(proposal.call)
    statuses = [phase.status for phase in route]
    if proposal.status not in statuses:
        return []
    return [phase.applicant_label for phase in route[statuses.index(proposal.status) + 1 :]]


# --- starting a proposal ----------------------------------------------------------------------


@applicant_login_required
@require_http_methods(["GET", "POST"])
def proposal_create(request, slug: str):
    call = get_object_or_404(Call, slug=slug, is_published=True)
    organisations = Organisation.objects.filter(memberships__user=request.user).order_by(
        "legal_name"
    )
    form = ProposalStartForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        try:
            proposal = proposal_services.proposal_create(
                call=call, organisation=form.cleaned_data["organisation"], by=request.user
            )
        except ValidationError as exc:
            _apply_errors(form, _errors_of(exc))
        else:
            messages.success(
                request, "Your draft is started. It is saved as you type; come back any time."
            )
            return redirect(_section_url(proposal, SECTIONS[0].key))
    drafts = (
        proposal_selectors.proposals_visible_to(user=request.user)
        .filter(call=call, status=ProposalStatus.DRAFT, organisation__in=organisations)
        .order_by("-updated_at")
    )
    next_cutoff = call.cutoffs.filter(at__gt=timezone.now(), closed_at__isnull=True).first()
    return render(
        request,
        "applications/proposals/start.html",
        {
            "call": call,
            "form": form,
            "has_organisation": organisations.exists(),
            "drafts": drafts,
            "next_cutoff": format_deadline(next_cutoff.at, seconds=True) if next_cutoff else "",
        },
    )


# --- the proposal overview (read-only) --------------------------------------------------------


@applicant_login_required
@require_GET
def proposal_detail(request, pk: int):
    proposal = _proposal(request, pk)
    context = _base_context(request, proposal)
    context.update(_overview_context(proposal))
    return render(request, "applications/proposals/detail.html", context)


def _overview_context(proposal: Proposal) -> dict:
    team = list(proposal.team.select_related("user"))
    requests = list(
        proposal.requests.select_related("offered_partition__partition__centre").order_by("id")
    )
    attachments = list(proposal.attachments.all())
    from applications.models import AI_ACT_QUESTIONS

    answers = proposal.ai_act_answers or {}
    return {
        "team": team,
        "requests": requests,
        "attachments": attachments,
        "ai_act": [(question, answers.get(key, "")) for key, question in AI_ACT_QUESTIONS.items()],
        "submitted_at": format_deadline(proposal.submitted_at, seconds=True),
        "pdf_ready": proposal.pdf_status == PdfStatus.READY and bool(proposal.pdf),
        "phase": workflow_for(proposal.call).phase(proposal.status),
        "upcoming": _upcoming_phases(proposal),
    }


# --- form sections ----------------------------------------------------------------------------


@dataclass
class SaveOutcome:
    proposal: Proposal
    saved: bool = False
    conflict: ProposalConflict | None = None
    saved_at: str = ""
    failed_fields: list[str] = field(default_factory=list)


def _save_section(request, proposal: Proposal, form) -> SaveOutcome:
    """Save what passed the form's checks; fields the service refuses keep their error and the
    others are saved anyway, so one bad value never holds back a whole section."""
    form.is_valid()
    data = form.section_data()
    try:
        expected_version = int(request.POST.get("version", ""))
    except ValueError:
        expected_version = proposal.version
    outcome = SaveOutcome(proposal=proposal)
    attempts = 0
    while data and attempts < 5:
        attempts += 1
        try:
            outcome.proposal = proposal_services.proposal_update(
                proposal=proposal, by=request.user, data=data, expected_version=expected_version
            )
        except ProposalConflict as exc:
            if exc.changed_by is not None and exc.changed_by.pk == request.user.pk:
                # The newer version is the user's own (an autosave that overtook a click on
                # "Save"; a teammate's save in between would be named here instead): not a
                # teammate's edit, so build on it rather than report a conflict.
                expected_version = exc.current_version
                continue
            outcome.conflict = exc
            break
        except ValidationError as exc:
            errors = _errors_of(exc)
            _apply_errors(form, errors)
            remaining = {k: v for k, v in data.items() if k not in errors}
            if remaining == data:
                break  # an error not tied to a field (e.g. the proposal got locked)
            data = remaining
        else:
            outcome.saved = True
            break
    if not data and not form.errors:
        outcome.saved = True
    outcome.failed_fields = list(form.errors)
    outcome.saved_at = timezone.localtime().strftime("%H:%M:%S")
    return outcome


def _section_form(section, proposal: Proposal, data=None):
    return section.form_class(data, proposal=proposal)


@applicant_login_required
@require_http_methods(["GET", "POST"])
def proposal_section(request, pk: int, section: str):
    spec = SECTIONS_BY_KEY.get(section)
    if spec is None:
        raise Http404("No such section.")
    proposal = _proposal(request, pk)
    if not request.user.has_perm("applications.change_proposal", proposal):
        if request.method == "POST":
            raise PermissionDenied("This proposal cannot be edited.")
        return _locked_redirect(request, proposal)
    goto = request.POST.get("goto", "") if request.method == "POST" else ""
    if spec.form_class is None:
        # Team, requests and attachments save through their own forms; navigating just moves.
        if request.method == "POST":
            return redirect(_section_url(proposal, goto if goto in SECTIONS_BY_KEY else section))
        return _render_section(request, proposal, spec)
    form = _section_form(spec, proposal, request.POST if request.method == "POST" else None)
    if request.method == "GET":
        return _render_section(request, proposal, spec, form=form)
    outcome = _save_section(request, proposal, form)
    if outcome.conflict is not None:
        return _render_section(
            request, outcome.proposal, spec, form=form, conflict=outcome.conflict, status=409
        )
    if form.errors:
        messages.error(
            request,
            "Some fields need your attention; the others were saved. Nothing you typed is lost.",
        )
        return _render_section(request, outcome.proposal, spec, form=form)
    if goto in SECTIONS_BY_KEY:
        return redirect(_section_url(proposal, goto))
    if goto == "submit":
        return redirect("applications:proposal_submit", pk=proposal.pk)
    messages.success(request, f"Saved at {outcome.saved_at}.")
    return redirect(_section_url(proposal, section))


def _render_section(request, proposal, spec, *, form=None, conflict=None, status=200, **extra):
    context = _base_context(request, proposal, spec.key)
    context.update(
        {
            "form": form,
            "form_id": "section-form" if form is not None else None,
            "conflict": _conflict_context(conflict),
        }
    )
    if spec.key == "team":
        context.update(_team_context(proposal, **extra))
    elif spec.key == "resources":
        context.update(_resources_context(proposal, **extra))
    elif spec.key == "attachments":
        context.update(_attachments_context(proposal, **extra))
    return render(
        request, f"applications/proposals/section_{spec.key}.html", context, status=status
    )


def _conflict_context(conflict: ProposalConflict | None) -> dict | None:
    if conflict is None:
        return None
    return {"message": " ".join(conflict.messages), "version": conflict.current_version}


@applicant_login_required
@require_POST
def proposal_autosave(request, pk: int, section: str):
    """htmx: save a section as the applicant types; answer with the save status, the new version
    and each field's errors (swapped out of band, so the inputs and the cursor stay put)."""
    spec = SECTIONS_BY_KEY.get(section)
    if spec is None or spec.form_class is None:
        raise Http404("No such section.")
    proposal = _proposal(request, pk)
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
    form = _section_form(spec, proposal, request.POST)
    outcome = _save_section(request, proposal, form)
    if outcome.conflict is not None:
        state = "conflict"
    elif form.errors:
        state = "errors"
    else:
        state = "saved"
    nav, percent = _navigation(outcome.proposal, section)
    return render(
        request,
        "applications/proposals/_save_status.html",
        {
            "state": state,
            "outcome": outcome,
            "form": form,
            "proposal": outcome.proposal,
            "conflict": _conflict_context(outcome.conflict),
            "nav": nav,
            "percent_complete": percent,
            "section_key": section,
            "oob": True,
        },
        status=409 if state == "conflict" else 200,
    )


# --- team -------------------------------------------------------------------------------------


def _organisation_people(proposal: Proposal):
    from portal.models import User

    return User.objects.filter(memberships__organisation_id=proposal.organisation_id).order_by(
        "first_name", "last_name", "email"
    )


def _team_context(proposal: Proposal, add_form=None, member_forms=None) -> dict:
    team = list(proposal.team.select_related("user").order_by("id"))
    people = _organisation_people(proposal)
    available = people.exclude(pk__in=[m.user_id for m in team])
    member_forms = member_forms or {}
    rows = []
    for member in team:
        rows.append(
            {
                "member": member,
                "form": member_forms.get(member.pk)
                or TeamMemberForm(
                    people=people.filter(pk=member.user_id),
                    initial={
                        "user": member.user_id,
                        "role": member.role,
                        "expertise": member.expertise,
                    },
                    prefix=f"m{member.pk}",
                ),
            }
        )
    return {
        "team_rows": rows,
        "add_form": add_form or TeamMemberForm(people=available, prefix="add"),
        "can_add": available.exists(),
    }


@applicant_login_required
@require_POST
def team_member_add(request, pk: int):
    proposal = _editable_proposal(request, pk)
    people = _organisation_people(proposal)
    form = TeamMemberForm(request.POST, request.FILES, people=people, prefix="add")
    if form.is_valid():
        data = form.cleaned_data
        try:
            member = proposal_services.team_member_add(
                proposal=proposal,
                by=request.user,
                user=data["user"],
                role=data["role"],
                expertise=data["expertise"],
                cv=data["cv"] or None,
            )
        except ValidationError as exc:
            _apply_errors(form, _errors_of(exc))
        else:
            messages.success(request, f"{member.user.display_name} is on the team.")
            return redirect(_section_url(proposal, "team"))
    return _render_section(request, proposal, SECTIONS_BY_KEY["team"], add_form=form)


@applicant_login_required
@require_POST
def team_member_change(request, pk: int, member_pk: int):
    proposal = _editable_proposal(request, pk)
    member = get_object_or_404(
        TeamMember.objects.select_related("user"), pk=member_pk, proposal=proposal
    )
    people = _organisation_people(proposal).filter(pk=member.user_id)
    data = request.POST.copy()
    data[f"m{member.pk}-user"] = str(member.user_id)
    form = TeamMemberForm(data, request.FILES, people=people, prefix=f"m{member.pk}")
    if form.is_valid():
        try:
            proposal_services.team_member_update(
                proposal=proposal,
                by=request.user,
                member=member,
                role=form.cleaned_data["role"],
                expertise=form.cleaned_data["expertise"],
                cv=form.cleaned_data["cv"] or None,
            )
        except ValidationError as exc:
            _apply_errors(form, _errors_of(exc))
        else:
            messages.success(request, f"Saved {member.user.display_name}'s details.")
            return redirect(_section_url(proposal, "team"))
    return _render_section(
        request, proposal, SECTIONS_BY_KEY["team"], member_forms={member.pk: form}
    )


@applicant_login_required
@require_POST
def team_member_remove(request, pk: int, member_pk: int):
    proposal = _editable_proposal(request, pk)
    member = get_object_or_404(
        TeamMember.objects.select_related("user"), pk=member_pk, proposal=proposal
    )
    try:
        proposal_services.team_member_remove(proposal=proposal, by=request.user, member=member)
    except ValidationError as exc:
        for messages_ in _errors_of(exc).values():
            for message in messages_:
                messages.error(request, message)
    else:
        messages.success(request, f"{member.user.display_name} is no longer on the team.")
    return redirect(_section_url(proposal, "team"))


# --- resource requests and the estimator ------------------------------------------------------


def _resources_context(proposal: Proposal, forms_by_pk=None, new_form=None) -> dict:
    forms_by_pk = forms_by_pk or {}
    offered = list(
        proposal.call.offered_partitions.select_related("partition__centre").order_by("id")
    )
    requests = list(
        proposal.requests.select_related("offered_partition__partition__centre").order_by("id")
    )
    rows = []
    for rr in requests:
        form = forms_by_pk.get(rr.pk) or ResourceRequestForm(proposal=proposal, resource_request=rr)
        rows.append({"request": rr, "form": form, "est": _estimator_start(proposal, form, offered)})
    new_form = new_form or ResourceRequestForm(proposal=proposal)
    return {
        "request_rows": rows,
        "new_form": new_form,
        "new_est": _estimator_start(proposal, new_form, offered),
        "offered": offered,
    }


def _estimator_start(proposal: Proposal, form: ResourceRequestForm, offered: list) -> dict:
    """What the estimator beside a request starts from: the inputs last copied into the request,
    else the AI plan's N and D and the default throughput of the request's (or first GPU)
    partition."""
    saved = form.resource_request.estimator_inputs if form.resource_request else {}
    saved = saved or {}
    chosen = str(form["offered_partition"].value() or "")
    by_pk = {str(o.pk): o for o in offered}
    partition = by_pk.get(chosen) or next((o for o in offered if o.partition.is_gpu), None)
    return {
        "parameters": saved.get("parameters") or proposal.parameters,
        "tokens": saved.get("tokens") or proposal.training_tokens,
        "tflops": saved.get("tflops") or (partition.estimator_tflops if partition else None),
    }


def _save_request(request, proposal: Proposal, resource_request: ResourceRequest | None):
    form = ResourceRequestForm(request.POST, proposal=proposal, resource_request=resource_request)
    if form.is_valid():
        data = form.cleaned_data
        try:
            saved = proposal_services.resource_request_save(
                proposal=proposal,
                by=request.user,
                offered_partition=data["offered_partition"],
                hours=data["hours"],
                job_size=data["job_size"],
                storage_tb=data["storage_tb"],
                duration_months=data["duration_months"],
                justification=data["justification"],
                estimator_inputs=form.estimator_inputs(),
                resource_request=resource_request,
            )
        except ValidationError as exc:
            _apply_errors(form, _errors_of(exc))
        else:
            messages.success(request, f"Saved the request for {saved.offered_partition.partition}.")
            return redirect(f"{_section_url(proposal, 'resources')}#request-{saved.pk}")
    extra = (
        {"forms_by_pk": {resource_request.pk: form}}
        if resource_request is not None
        else {"new_form": form}
    )
    return _render_section(request, proposal, SECTIONS_BY_KEY["resources"], **extra)


@applicant_login_required
@require_POST
def resource_request_add(request, pk: int):
    proposal = _editable_proposal(request, pk)
    return _save_request(request, proposal, None)


@applicant_login_required
@require_POST
def resource_request_change(request, pk: int, request_pk: int):
    proposal = _editable_proposal(request, pk)
    resource_request = get_object_or_404(ResourceRequest, pk=request_pk, proposal=proposal)
    return _save_request(request, proposal, resource_request)


@applicant_login_required
@require_POST
def resource_request_delete(request, pk: int, request_pk: int):
    proposal = _editable_proposal(request, pk)
    resource_request = get_object_or_404(
        ResourceRequest.objects.select_related("offered_partition__partition"),
        pk=request_pk,
        proposal=proposal,
    )
    try:
        proposal_services.resource_request_delete(
            proposal=proposal, by=request.user, resource_request=resource_request
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, f"Removed the request for {resource_request.offered_partition.partition}."
        )
    return redirect(_section_url(proposal, "resources"))


@applicant_login_required
@require_GET
def proposal_estimate(request, pk: int):
    """htmx: 6*N*D FLOPs and the hours they take on the chosen partition, in its unit."""
    proposal = _proposal(request, pk)
    prefix = request.GET.get("prefix", "new")
    if not prefix.replace("-", "").isalnum():
        raise Http404("Unknown estimator.")
    form = EstimatorForm(
        {
            "offered_partition": request.GET.get(f"{prefix}-offered_partition", ""),
            "parameters": request.GET.get(f"{prefix}-parameters", ""),
            "tokens": request.GET.get(f"{prefix}-tokens", ""),
            "tflops": request.GET.get(f"{prefix}-tflops", ""),
        },
        proposal=proposal,
    )
    context = {"form": form, "prefix": prefix, "estimate": None, "problem": ""}
    if form.is_valid():
        offered = form.cleaned_data["offered_partition"]
        parameters = form.cleaned_data["parameters"]
        tokens = form.cleaned_data["tokens"]
        tflops = form.cleaned_data["tflops"]
        try:
            estimate = estimate_hours(
                offered.partition,
                parameters=parameters,
                tokens=tokens,
                sustained_tflops_per_accelerator=tflops,
            )
        except ValueError as exc:
            context["problem"] = str(exc)
        else:
            context.update(
                {
                    "estimate": estimate,
                    "offered": offered,
                    "parameters": parameters,
                    "tokens": tokens,
                    "tflops": tflops,
                }
            )
    return render(request, "applications/proposals/_estimate.html", context)


# --- attachments ------------------------------------------------------------------------------


def _attachments_context(proposal: Proposal, upload_form=None) -> dict:
    return {
        "attachments": list(proposal.attachments.select_related("uploaded_by")),
        "upload_form": upload_form or AttachmentForm(),
        "max_megabytes": proposal_services._max_attachment_bytes() // (1024 * 1024),
    }


@applicant_login_required
@require_POST
def attachment_upload(request, pk: int):
    proposal = _editable_proposal(request, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            attachment = proposal_services.attachment_add(
                proposal=proposal,
                by=request.user,
                uploaded_file=form.cleaned_data["file"],
                kind=form.cleaned_data["kind"],
            )
        except ValidationError as exc:
            _apply_errors(form, _errors_of(exc))
        else:
            messages.success(request, f"Uploaded “{attachment.original_name}”.")
            return redirect(_section_url(proposal, "attachments"))
    return _render_section(
        request, proposal, SECTIONS_BY_KEY["attachments"], upload_form=form, status=400
    )


@applicant_login_required
@require_POST
def attachment_delete(request, pk: int, attachment_pk: int):
    proposal = _editable_proposal(request, pk)
    attachment = get_object_or_404(Attachment, pk=attachment_pk, proposal=proposal)
    try:
        proposal_services.attachment_delete(
            proposal=proposal, by=request.user, attachment=attachment
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Removed “{attachment.original_name}”.")
    return redirect(_section_url(proposal, "attachments"))


# --- downloads --------------------------------------------------------------------------------


def _stream(request, *, proposal: Proposal, document, stored_file, filename: str, kind: str):
    """Stream a private file after the permission check; anyone else gets a 404. Every download
    is written to the activity log (proposal documents are confidential, CVs personal)."""
    if not request.user.has_perm("applications.view_attachment", document):
        raise Http404("No such document.")
    if not stored_file or not stored_file.storage.exists(stored_file.name):
        raise Http404("The document is not available.")
    activity_record(
        actor=request.user,
        verb=f"downloaded {kind}",
        target=document,
        data={
            "proposal": proposal.pk,
            "file": filename,
            "confidential": proposal.is_confidential,
        },
    )
    response = FileResponse(
        stored_file.open("rb"),
        as_attachment=True,
        filename=filename,
        content_type="application/pdf",
    )
    response["Cache-Control"] = "private, no-store"
    return response


@applicant_login_required
@require_GET
def attachment_download(request, pk: int, attachment_pk: int):
    proposal = _proposal(request, pk)
    attachment = get_object_or_404(Attachment, pk=attachment_pk, proposal=proposal)
    return _stream(
        request,
        proposal=proposal,
        document=attachment,
        stored_file=attachment.file,
        filename=attachment.original_name,
        kind="attachment",
    )


@applicant_login_required
@require_GET
def cv_download(request, pk: int, member_pk: int):
    proposal = _proposal(request, pk)
    member = get_object_or_404(
        TeamMember.objects.select_related("user"), pk=member_pk, proposal=proposal
    )
    name = (member.user.get_full_name() or member.user.email.split("@")[0]).replace(" ", "-")
    return _stream(
        request,
        proposal=proposal,
        document=member,
        stored_file=member.cv,
        filename=f"CV-{name}.pdf",
        kind="CV",
    )


@applicant_login_required
@require_GET
def proposal_pdf_download(request, pk: int):
    proposal = _proposal(request, pk)
    if proposal.pdf_status != PdfStatus.READY:
        raise Http404("The PDF of this proposal is not ready.")
    return _stream(
        request,
        proposal=proposal,
        document=proposal,
        stored_file=proposal.pdf,
        filename=f"{proposal.reference or f'proposal-{proposal.pk}'}.pdf",
        kind="proposal PDF",
    )


# --- submit and withdraw ----------------------------------------------------------------------


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
                    "url": _section_url(proposal, key),
                    "messages": [],
                },
            )
        group["messages"].extend(messages_)
    order = {section.key: i for i, section in enumerate(SECTIONS)}
    return [groups[k] for k in sorted(groups, key=lambda k: order.get(k, -1))]


@applicant_login_required
@require_http_methods(["GET", "POST"])
def proposal_submit(request, pk: int):
    proposal = _proposal(request, pk)
    if not proposal.is_draft:
        return _locked_redirect(request, proposal)
    if not request.user.has_perm("applications.submit_proposal", proposal):
        raise PermissionDenied("Only members of the applying organisation can submit.")
    problems = None
    if request.method == "POST":
        try:
            proposal = proposal_services.proposal_submit(proposal=proposal, by=request.user)
        except ValidationError as exc:
            problems = _errors_of(exc)
        else:
            messages.success(
                request,
                f"Submitted. Your reference number is {proposal.reference}. A receipt with the "
                "PDF of your proposal is on its way to the team.",
            )
            return redirect(proposal.get_absolute_url())
    if problems is None:
        problems = proposal_submission_problems(proposal=proposal)
    context = _base_context(request, proposal, None)
    context.update(
        {
            "problem_groups": _grouped_problems(proposal, problems),
            "call_deadline": format_deadline(
                proposal.cutoff.at, proposal.call.display_timezone, seconds=True
            ),
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
    proposal = _proposal(request, pk)
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
            _apply_errors(form, _errors_of(exc))
        else:
            messages.success(request, "The proposal is withdrawn. The team has been told.")
            return redirect(proposal.get_absolute_url())
    context = _base_context(request, proposal, None)
    context["form"] = form
    return render(request, "applications/proposals/withdraw.html", context)


urlpatterns = [
    path("dashboard/", dashboard, name="dashboard"),
    path("calls/<slug:slug>/apply/", proposal_create, name="proposal_create"),
    path("proposals/<int:pk>/", proposal_detail, name="proposal_detail"),
    path("proposals/<int:pk>/edit/<slug:section>/", proposal_section, name="proposal_section"),
    path(
        "proposals/<int:pk>/edit/<slug:section>/autosave/",
        proposal_autosave,
        name="proposal_autosave",
    ),
    path("proposals/<int:pk>/team/add/", team_member_add, name="team_member_add"),
    path("proposals/<int:pk>/team/<int:member_pk>/", team_member_change, name="team_member_change"),
    path(
        "proposals/<int:pk>/team/<int:member_pk>/remove/",
        team_member_remove,
        name="team_member_remove",
    ),
    path("proposals/<int:pk>/team/<int:member_pk>/cv/", cv_download, name="cv_download"),
    path("proposals/<int:pk>/requests/add/", resource_request_add, name="resource_request_add"),
    path(
        "proposals/<int:pk>/requests/<int:request_pk>/",
        resource_request_change,
        name="resource_request_change",
    ),
    path(
        "proposals/<int:pk>/requests/<int:request_pk>/delete/",
        resource_request_delete,
        name="resource_request_delete",
    ),
    path("proposals/<int:pk>/estimate/", proposal_estimate, name="proposal_estimate"),
    path("proposals/<int:pk>/attachments/", attachment_upload, name="attachment_upload"),
    path(
        "proposals/<int:pk>/attachments/<int:attachment_pk>/",
        attachment_download,
        name="attachment_download",
    ),
    path(
        "proposals/<int:pk>/attachments/<int:attachment_pk>/delete/",
        attachment_delete,
        name="attachment_delete",
    ),
    path("proposals/<int:pk>/pdf/", proposal_pdf_download, name="proposal_pdf"),
    path("proposals/<int:pk>/submit/", proposal_submit, name="proposal_submit"),
    path("proposals/<int:pk>/withdraw/", proposal_withdraw, name="proposal_withdraw"),
]
