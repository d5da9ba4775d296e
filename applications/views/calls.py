"""Call pages: home (open calls), public call page, officer call set-up and cut-off views."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from applications.deadlines import format_deadline
from applications.forms.calls import (
    CallForm,
    CriterionForm,
    CutOffForm,
    CutOffPoolsForm,
    CutOffScheduleForm,
    OfferedPartitionEditForm,
    OfferedPartitionForm,
    SubmittedProposalFilter,
)
from applications.models import Call, CallPartition, CutOff, EvaluationCriterion
from applications.modes import clock_start_label, defaults_for, request_limits_for
from applications.selectors import calls as selectors
from applications.selectors.decision_mails import with_held_mails_count
from applications.selectors.time_to_access import cutoff_clocks
from applications.services import calls as services
from applications.views.pagination import CountedPaginator, uncounted_page
from applications.views.service_errors import form_add_service_errors
from applications.workflow import workflow_for
from applications.working_days import WorkingCalendar, holiday_country_name, working_calendar
from portal.auth import login_required
from portal.selectors import invitations_if_no_organisation

OFFICER_PAGE_SIZE = 50


# --- Public pages -------------------------------------------------------------------------------


def home(request):
    """The portal's front page: the calls open now."""
    return render(
        request,
        "portal/home.html",
        {
            "open_calls": selectors.calls_open(),
            "invitations": invitations_if_no_organisation(user=request.user),
        },
    )


def call_detail(request, slug: str):
    call = selectors.call_for_page(slug=slug)
    if call is None or not request.user.has_perm("applications.view_call", call):
        raise Http404("No such call.")
    now = timezone.now()
    upcoming = selectors.cutoffs_upcoming(call=call, now=now)
    workflow = workflow_for(call)
    is_open = call.is_published and call.opens_at <= now < call.closes_at and bool(upcoming)
    return render(
        request,
        "applications/calls/call_detail.html",
        {
            "call": call,
            "mode": defaults_for(call.mode),
            "clock_starts_from": clock_start_label(call.mode),
            "workflow": workflow,
            "route": workflow.route_phases(call),
            "next_cutoff": upcoming[0] if upcoming else None,
            "upcoming_cutoffs": upcoming,
            "offered": list(call.offered_partitions.all()),
            "criteria": list(call.criteria.all()),
            "is_open": is_open,
            "opens_later": call.opens_at > now,
            "can_manage": request.user.has_perm("applications.change_call", call),
        },
    )


# --- Officer pages ------------------------------------------------------------------------------


def _require_officer(request, *, hide: bool = False) -> None:
    """Officer pages: a 403 on the lists; a 404 on an object page, which does not confirm that
    the object exists."""
    if not request.user.has_perm("applications.manage_calls"):
        raise Http404 if hide else PermissionDenied


def _officer_call(request, pk: int) -> Call:
    _require_officer(request, hide=True)
    call = get_object_or_404(Call, pk=pk)
    if not request.user.has_perm("applications.change_call", call):
        raise Http404
    return call


def _officer_call_part(request, queryset, pk: int):
    """A part of a call (cut-off, offered partition, criterion) and its call, for an officer who
    may change that call; anyone else gets a 404."""
    _require_officer(request, hide=True)
    part = get_object_or_404(queryset, pk=pk)
    return part, _officer_call(request, part.call_id)


def _setup_url(call: Call, anchor: str = "") -> str:
    url = reverse("applications:officer_call_setup", kwargs={"pk": call.pk})
    return f"{url}#{anchor}" if anchor else url


def _render_setup(request, call: Call, *, status: int = 200, **bound_forms):
    setup = selectors.call_setup(call=call)
    offerable = selectors.partitions_offerable(call=call)
    forms = {
        "cutoff_form": CutOffForm(call=call),
        "schedule_form": CutOffScheduleForm(call=call),
        "partition_form": OfferedPartitionForm(partitions=offerable),
        "pools_form": CutOffPoolsForm(setup=setup),
        "criterion_form": CriterionForm(),
        **bound_forms,
    }
    return render(
        request,
        "applications/calls/officer_call_setup.html",
        {
            "call": call,
            "setup": setup,
            "workflow": workflow_for(call),
            "mode": defaults_for(call.mode),
            "clock_starts_from": clock_start_label(call.mode),
            "publication_problems": services.call_publication_problems(call=call),
            **forms,
        },
        status=status,
    )


@login_required
def officer_calls(request):
    _require_officer(request)
    return render(
        request,
        "applications/calls/officer_calls.html",
        {"calls": selectors.calls_for_officer()},
    )


@login_required
def officer_call_create(request):
    _require_officer(request)
    form = CallForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            call = services.call_create(by=request.user, **form.service_kwargs())
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"Call “{call.title}” created with the {call.get_mode_display()} defaults and "
                "the default evaluation criteria. Add cut-offs and partitions, then publish it.",
            )
            return redirect(_setup_url(call))
    return render(
        request, "applications/calls/officer_call_form.html", {"form": form, "call": None}
    )


@login_required
def officer_call_edit(request, pk: int):
    call = _officer_call(request, pk)
    form = CallForm(request.POST or None, call=call)
    if request.method == "POST" and form.is_valid():
        try:
            services.call_update(call=call, by=request.user, **form.service_kwargs())
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, "The call was saved.")
            return redirect(_setup_url(call))
    return render(
        request, "applications/calls/officer_call_form.html", {"form": form, "call": call}
    )


@login_required
def officer_call_setup(request, pk: int):
    return _render_setup(request, _officer_call(request, pk))


@login_required
@require_POST
def officer_call_publication(request, pk: int):
    call = _officer_call(request, pk)
    try:
        if request.POST.get("action") == "unpublish":
            services.call_unpublish(call=call, by=request.user)
            messages.success(request, "The call is no longer published.")
        else:
            services.call_publish(call=call, by=request.user)
            messages.success(request, "The call is published and listed on the home page.")
    except ValidationError as exc:
        messages.error(request, "The call cannot be published yet: " + " ".join(exc.messages))
    return redirect(_setup_url(call))


@login_required
@require_POST
def officer_cutoff_add(request, pk: int):
    call = _officer_call(request, pk)
    form = CutOffForm(request.POST, call=call)
    if form.is_valid():
        try:
            cutoff = services.cutoff_add(call=call, at=form.cleaned_data["at"], by=request.user)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            when = format_deadline(cutoff.at, call.display_timezone)
            messages.success(request, f"Cut-off added: {when}.")
            return redirect(_setup_url(call, "cutoffs"))
    return _render_setup(request, call, cutoff_form=form)


@login_required
@require_POST
def officer_cutoff_schedule(request, pk: int):
    call = _officer_call(request, pk)
    form = CutOffScheduleForm(request.POST, call=call)
    if form.is_valid():
        data = form.cleaned_data
        try:
            created = services.cutoff_schedule_generate(
                call=call,
                by=request.user,
                days_of_month=data["days_of_month"],
                clock=data["clock"],
                tz=data["timezone"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            if created:
                messages.success(request, f"{len(created)} cut-off{pluralize(len(created))} added.")
            else:
                messages.info(request, "Every cut-off of this schedule already exists.")
            return redirect(_setup_url(call, "cutoffs"))
    return _render_setup(request, call, schedule_form=form)


@login_required
@require_POST
def officer_cutoff_delete(request, pk: int):
    cutoff, call = _officer_call_part(request, CutOff.objects.select_related("call"), pk)
    try:
        services.cutoff_delete(cutoff=cutoff, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Cut-off deleted.")
    return redirect(_setup_url(call, "cutoffs"))


@login_required
@require_POST
def officer_partition_add(request, pk: int):
    call = _officer_call(request, pk)
    form = OfferedPartitionForm(request.POST, partitions=selectors.partitions_offerable(call=call))
    if form.is_valid():
        data = form.cleaned_data
        try:
            offered = services.offered_partition_add(
                call=call,
                by=request.user,
                partition=data["partition"],
                min_hours=data["min_hours"],
                max_hours=data["max_hours"],
                pool_hours_per_cutoff=data["pool_hours_per_cutoff"],
                sustained_tflops_per_accelerator=data["sustained_tflops_per_accelerator"],
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, f"{offered.partition} is offered in the call.")
            return redirect(_setup_url(call, "partitions"))
    return _render_setup(request, call, partition_form=form)


@login_required
def officer_partition_edit(request, pk: int):
    offered, call = _officer_call_part(
        request, CallPartition.objects.select_related("call", "partition__centre"), pk
    )
    initial = {
        "min_hours": offered.min_hours,
        "max_hours": offered.max_hours,
        "pool_hours_per_cutoff": offered.pool_hours_per_cutoff,
        "sustained_tflops_per_accelerator": offered.sustained_tflops_per_accelerator,
    }
    form = OfferedPartitionEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.offered_partition_update(
                offered_partition=offered, by=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, f"Limits of {offered.partition} saved.")
            return redirect(_setup_url(call, "partitions"))
    default_min, default_max = request_limits_for(call.mode, offered.partition)
    return render(
        request,
        "applications/calls/officer_partition_form.html",
        {
            "call": call,
            "offered": offered,
            "form": form,
            "default_min": default_min,
            "default_max": default_max,
        },
    )


@login_required
@require_POST
def officer_partition_remove(request, pk: int):
    offered, call = _officer_call_part(
        request, CallPartition.objects.select_related("partition__centre"), pk
    )
    try:
        services.offered_partition_remove(offered_partition=offered, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{offered.partition} is no longer offered in the call.")
    return redirect(_setup_url(call, "partitions"))


@login_required
@require_POST
def officer_pools(request, pk: int):
    call = _officer_call(request, pk)
    form = CutOffPoolsForm(request.POST, setup=selectors.call_setup(call=call))
    if form.is_valid():
        try:
            changed = services.cutoff_pools_set(call=call, by=request.user, hours=form.hours())
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(
                request, f"Capacity saved ({len(changed)} pool{pluralize(len(changed))} changed)."
            )
            return redirect(_setup_url(call, "capacity"))
    return _render_setup(request, call, pools_form=form)


@login_required
@require_POST
def officer_criterion_add(request, pk: int):
    call = _officer_call(request, pk)
    form = CriterionForm(request.POST)
    if form.is_valid():
        try:
            services.criterion_add(call=call, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, f"Criterion “{form.cleaned_data['name']}” added.")
            return redirect(_setup_url(call, "criteria"))
    return _render_setup(request, call, criterion_form=form)


@login_required
def officer_criterion_edit(request, pk: int):
    criterion, call = _officer_call_part(
        request, EvaluationCriterion.objects.select_related("call"), pk
    )
    initial = {
        name: getattr(criterion, name)
        for name in ("name", "description", "weight", "scale_min", "scale_max", "threshold")
    }
    form = CriterionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.criterion_update(criterion=criterion, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, f"Criterion “{criterion.name}” saved.")
            return redirect(_setup_url(call, "criteria"))
    return render(
        request,
        "applications/calls/officer_criterion_form.html",
        {"call": call, "criterion": criterion, "form": form},
    )


@login_required
@require_POST
def officer_criterion_delete(request, pk: int):
    criterion, call = _officer_call_part(
        request, EvaluationCriterion.objects.select_related("call"), pk
    )
    try:
        services.criterion_delete(criterion=criterion, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Criterion deleted.")
    return redirect(_setup_url(call, "criteria"))


def _filters_active(filterset) -> bool:
    if not filterset.is_bound:
        return False
    if not filterset.form.is_valid():
        return True
    return any(value not in (None, "") for value in filterset.form.cleaned_data.values())


def _proposal_list(
    request, *, cutoff: CutOff | None, calendar: WorkingCalendar, now, partitions=None
):
    """The officer's list of submitted proposals, filtered and paginated. Its cost is the page's
    rows: the whole list's size comes from the kept figures, and a filtered list is not counted.
    Each row's time-to-access clock is worked out from the values read, on `calendar`. The
    partition filter offers `partitions` (read here when the caller has not read them)."""
    if partitions is None:
        partitions = list(selectors.partitions_in_calls(call=cutoff.call if cutoff else None))
    filterset = SubmittedProposalFilter(
        request.GET or None,
        queryset=selectors.proposals_submitted(cutoff=cutoff),
        partitions=partitions,
        by_mode=cutoff is None,
    )
    values = selectors.submitted_row_values(filterset.qs)
    number = request.GET.get("page")
    if _filters_active(filterset):
        total = None
        page = uncounted_page(values, OFFICER_PAGE_SIZE, number)
    else:
        total = selectors.proposals_submitted_count(cutoff=cutoff)
        page = CountedPaginator(values, OFFICER_PAGE_SIZE, count=total).get_page(number)
    rows = selectors.submitted_rows(page.object_list, calendar=calendar, now=now)
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "filter": filterset,
        "page_obj": page,
        "total": total,
        "proposals": rows,
        "show_call": cutoff is None,
        "filter_query": query.urlencode(),
        "is_filtered": any(v for k, v in request.GET.items() if k != "page"),
    }


@login_required
def officer_cutoff_detail(request, pk: int):
    _require_officer(request, hide=True)
    # With the count of its held decision mails (the link to them), one query for both.
    cutoff = with_held_mails_count(CutOff.objects.select_related("call").filter(pk=pk)).first()
    if cutoff is None or not request.user.has_perm("applications.view_cutoff_submissions", cutoff):
        raise Http404
    demand = list(selectors.cutoff_demand(cutoff=cutoff))
    now = timezone.now()
    calendar = working_calendar()  # the closure days, read once for the figures and the rows
    return render(
        request,
        "applications/calls/officer_cutoff.html",
        {
            "cutoff": cutoff,
            "call": cutoff.call,
            "demand": demand,
            "is_past": cutoff.at <= now,
            "time_to_access": cutoff_clocks(cutoff=cutoff, now=now, calendar=calendar),
            "holiday_country": holiday_country_name(),
            **_proposal_list(
                request,
                cutoff=cutoff,
                calendar=calendar,
                now=now,
                partitions=[row.partition for row in demand],
            ),
        },
    )


@login_required
def officer_proposals(request):
    _require_officer(request)
    return render(
        request,
        "applications/calls/officer_cutoff.html",
        {
            "cutoff": None,
            "call": None,
            "demand": [],
            **_proposal_list(request, cutoff=None, calendar=working_calendar(), now=timezone.now()),
        },
    )


urlpatterns = [
    path("calls/<slug:slug>/", call_detail, name="call_detail"),
    path("officer/calls/", officer_calls, name="officer_calls"),
    path("officer/calls/new/", officer_call_create, name="officer_call_create"),
    path("officer/calls/<int:pk>/", officer_call_setup, name="officer_call_setup"),
    path("officer/calls/<int:pk>/edit/", officer_call_edit, name="officer_call_edit"),
    path(
        "officer/calls/<int:pk>/publication/",
        officer_call_publication,
        name="officer_call_publication",
    ),
    path("officer/calls/<int:pk>/cutoffs/", officer_cutoff_add, name="officer_cutoff_add"),
    path(
        "officer/calls/<int:pk>/cutoffs/schedule/",
        officer_cutoff_schedule,
        name="officer_cutoff_schedule",
    ),
    path("officer/calls/<int:pk>/partitions/", officer_partition_add, name="officer_partition_add"),
    path("officer/calls/<int:pk>/capacity/", officer_pools, name="officer_pools"),
    path("officer/calls/<int:pk>/criteria/", officer_criterion_add, name="officer_criterion_add"),
    path("officer/cutoffs/<int:pk>/", officer_cutoff_detail, name="officer_cutoff"),
    path("officer/cutoffs/<int:pk>/delete/", officer_cutoff_delete, name="officer_cutoff_delete"),
    path(
        "officer/offered-partitions/<int:pk>/",
        officer_partition_edit,
        name="officer_partition_edit",
    ),
    path(
        "officer/offered-partitions/<int:pk>/remove/",
        officer_partition_remove,
        name="officer_partition_remove",
    ),
    path("officer/criteria/<int:pk>/", officer_criterion_edit, name="officer_criterion_edit"),
    path(
        "officer/criteria/<int:pk>/delete/",
        officer_criterion_delete,
        name="officer_criterion_delete",
    ),
    path("officer/proposals/", officer_proposals, name="officer_proposals"),
]
