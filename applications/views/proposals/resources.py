"""The resource requests section and the GPU-hours estimator beside each request."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from allocations.units import estimate_hours
from applications.forms.proposals import SECTIONS_BY_KEY, EstimatorForm, ResourceRequestForm
from applications.models import Proposal, ResourceRequest
from applications.services import proposals as proposal_services
from applications.views.service_errors import form_add_service_errors, form_take_conflict

from .access import applicant_login_required, editable_proposal, visible_proposal
from .pages import render_section, section_url


def resources_context(proposal: Proposal, forms_by_pk=None, new_form=None) -> dict:
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
    saved = (form.resource_request.estimator_inputs if form.resource_request else None) or {}
    chosen = str(form["offered_partition"].value() or "")
    by_pk = {str(o.pk): o for o in offered}
    partition = by_pk.get(chosen) or next((o for o in offered if o.partition.is_gpu), None)
    return {
        "parameters": saved.get("parameters") or proposal.parameters,
        "tokens": saved.get("tokens") or proposal.training_tokens,
        "tflops": saved.get("tflops") or (partition.estimator_tflops if partition else None),
    }


def _save_request(request, proposal: Proposal, resource_request: ResourceRequest | None):
    """Add a request (resource_request None) or change one; on an error the page shows the
    form again, beside the others, with what was typed."""
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
                expected_version=data.get("version") if resource_request is not None else None,
            )
        except proposal_services.EditConflict as exc:
            form_take_conflict(form, exc)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, f"Saved the request for {saved.offered_partition.partition}.")
            return redirect(f"{section_url(proposal, 'resources')}#request-{saved.pk}")
    forms = (
        {"forms_by_pk": {resource_request.pk: form}}
        if resource_request is not None
        else {"new_form": form}
    )
    return render_section(
        request, proposal, SECTIONS_BY_KEY["resources"], **resources_context(proposal, **forms)
    )


@applicant_login_required
@require_POST
def resource_request_add(request, pk: int):
    proposal = editable_proposal(request, pk)
    return _save_request(request, proposal, None)


@applicant_login_required
@require_POST
def resource_request_change(request, pk: int, request_pk: int):
    proposal = editable_proposal(request, pk)
    resource_request = get_object_or_404(ResourceRequest, pk=request_pk, proposal=proposal)
    return _save_request(request, proposal, resource_request)


@applicant_login_required
@require_POST
def resource_request_delete(request, pk: int, request_pk: int):
    proposal = editable_proposal(request, pk)
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
    return redirect(section_url(proposal, "resources"))


@applicant_login_required
@require_GET
def proposal_estimate(request, pk: int):
    """htmx: 6*N*D FLOPs and the hours they take on the chosen partition, in its unit."""
    proposal = visible_proposal(request, pk)
    prefix = request.GET.get("prefix", "new")
    if not prefix.replace("-", "").isalnum():
        raise Http404("Unknown estimator.")
    form = EstimatorForm(
        {
            name: request.GET.get(f"{prefix}-{name}", "")
            for name in ("offered_partition", "parameters", "tokens", "tflops")
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
