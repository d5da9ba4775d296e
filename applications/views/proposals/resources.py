"""The resource requests section and the GPU-hours estimator beside each request."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIteratorValue
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from allocations.units import estimate_hours
from applications.forms.proposals import SECTIONS_BY_KEY, EstimatorForm, ResourceRequestForm
from applications.models import Proposal, ResourceRequest
from applications.selectors.resource_requests import estimator_inputs_for, request_summaries
from applications.services import proposals as proposal_services
from applications.views.service_errors import form_add_service_errors, form_take_conflict

from .access import applicant_login_required, editable_proposal, visible_proposal
from .pages import render_section, section_url

CHOOSE_PARTITION_HINT = (
    "Choose the system and partition of this request to see the hours in its unit."
)
ENTER_FIGURES_HINT = "Enter the parameters and training tokens to see the hours."
ESTIMATOR_FIELD_LABELS = {
    "parameters": "Parameters (N)",
    "tokens": "Training tokens (D)",
    "tflops": "Throughput",
}


def resources_context(proposal: Proposal, forms_by_pk=None, new_form=None) -> dict:
    """Each saved request as a summary card (its form folded away unless it came back with an
    error), and the form for a new one."""
    forms_by_pk = forms_by_pk or {}
    offered = list(
        proposal.call.offered_partitions.select_related("partition__centre").order_by("id")
    )
    rows = []
    for summary in request_summaries(proposal=proposal):
        rr = summary.request
        form = forms_by_pk.get(rr.pk) or ResourceRequestForm(proposal=proposal, resource_request=rr)
        _list_partitions_read(form, offered)
        rows.append(
            {
                "summary": summary,
                "form": form,
                "est": _estimator_start(proposal, form, offered),
                "open": form.is_bound,
            }
        )
    new_form = new_form or ResourceRequestForm(proposal=proposal)
    _list_partitions_read(new_form, offered)
    return {
        "request_rows": rows,
        "new_form": new_form,
        "new_est": _estimator_start(proposal, new_form, offered),
        # With requests saved, adding one more is folded away until asked for.
        "new_open": new_form.is_bound or not rows,
        "offered": offered,
    }


def _list_partitions_read(form: ResourceRequestForm, offered: list) -> None:
    """Every request's form offers the same partitions: list them from those already read, not
    with a query per form (the field's queryset still checks what is posted)."""
    field = form.fields["offered_partition"]
    in_order = sorted(
        offered, key=lambda o: (o.partition.centre.short_name, o.partition.system_name)
    )
    # "MareNostrum 5 ACC (BSC)" fits a phone's width; the unit shows beside the hours instead.
    field.widget.choices = [("", field.empty_label)] + [
        (ModelChoiceIteratorValue(o.pk, o), str(o.partition)) for o in in_order
    ]


def _estimator_start(proposal: Proposal, form: ResourceRequestForm, offered: list) -> dict:
    """What the estimator beside a request starts from, and its first answer, rendered with the
    page: the inputs last copied into the request, else the AI plan's N and D at the chosen
    partition's default throughput. No partition chosen, no figures."""
    saved = form.resource_request.estimator_inputs if form.resource_request else None
    chosen = str(form["offered_partition"].value() or "")
    partition = next((o for o in offered if str(o.pk) == chosen), None)
    inputs = estimator_inputs_for(proposal, partition, saved)
    return {
        "parameters": inputs.parameters,
        "tokens": inputs.tokens,
        "tflops": inputs.tflops,
        "offered": partition,
        "uses_estimator": partition is not None and partition.partition.is_gpu,
        "answer": estimate_answer(
            prefix=form.prefix,
            offered=partition,
            parameters=inputs.parameters,
            tokens=inputs.tokens,
            tflops=inputs.tflops,
        ),
    }


def estimate_answer(
    *, prefix: str, offered, parameters, tokens, tflops, errors: list[str] | None = None
) -> dict:
    """What the estimator says for figures that passed its form: the hours, the reason it
    cannot estimate, a hint of what it still needs, or the errors of the figures typed."""
    answer = {"prefix": prefix, "estimate": None, "problem": "", "hint": "", "errors": []}
    if offered is None:
        answer["hint"] = CHOOSE_PARTITION_HINT
    elif offered.partition.is_gpu and errors:
        answer["errors"] = errors
    elif offered.partition.is_gpu and not (parameters and tokens):
        answer["hint"] = ENTER_FIGURES_HINT
    else:
        try:
            # A partition without GPUs is refused before the figures are read.
            estimate = estimate_hours(
                offered.partition,
                parameters=parameters,
                tokens=tokens,
                sustained_tflops_per_accelerator=tflops,
            )
        except ValueError as exc:
            answer["problem"] = str(exc)
        else:
            answer.update(
                estimate=estimate,
                offered=offered,
                parameters=parameters,
                tokens=tokens,
                tflops=tflops,
            )
    return answer


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
    form.is_valid()
    cleaned = getattr(form, "cleaned_data", {})
    # Nothing typed yet deserves a hint, not a list of errors.
    nothing_typed = not form.data["parameters"].strip() and not form.data["tokens"].strip()
    errors = [
        f"{label}: {' '.join(form.errors[name])}"
        for name, label in ESTIMATOR_FIELD_LABELS.items()
        if name in form.errors and not nothing_typed
    ]
    answer = estimate_answer(
        prefix=prefix,
        offered=cleaned.get("offered_partition"),
        parameters=cleaned.get("parameters"),
        tokens=cleaned.get("tokens"),
        tflops=cleaned.get("tflops"),
        errors=errors,
    )
    return render(request, "applications/proposals/_estimate.html", answer)
