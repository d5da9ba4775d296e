"""The officer's closure days: days the programme office is closed, which the time to access
does not count (applications.working_days)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from applications.forms.closure_days import ClosureDayForm
from applications.models import ClosureDay
from applications.services import closure_days as services
from applications.views.service_errors import form_add_service_errors
from applications.working_days import WorkingCalendar, holiday_country_name
from portal.auth import login_required

PERMISSION = "applications.manage_closure_days"


@login_required
def officer_closure_days(request):
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    form = ClosureDayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            closure = services.closure_day_add(
                day=form.cleaned_data["date"], reason=form.cleaned_data["reason"], by=request.user
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"{closure.date:%a} {closure.date.day} {closure.date:%b %Y} "
                "is a closure day: it no longer counts as a working day.",
            )
            return redirect(reverse("applications:officer_closure_days"))
    calendar = WorkingCalendar()
    today = calendar.local_date(timezone.now())
    # The last year and what lies ahead; older days no longer change any clock shown.
    shown_from = today - timedelta(days=365)
    closure_days = list(
        ClosureDay.objects.filter(date__gte=shown_from).select_related("created_by")
    )
    public_holidays = [
        (day, name)
        for year in (today.year, today.year + 1)
        for day, name in calendar.public_holidays(year).items()
        if day >= today
    ]
    return render(
        request,
        "applications/calls/officer_closure_days.html",
        {
            "form": form,
            "closure_days": closure_days,
            "earlier_count": ClosureDay.objects.filter(date__lt=shown_from).count(),
            "today": today,
            "public_holidays": public_holidays,
            "holiday_country": holiday_country_name(),
            "programme_zone": calendar.zone,
        },
        status=400 if form.is_bound else 200,
    )


@login_required
@require_POST
def officer_closure_day_remove(request, pk: int):
    if not request.user.has_perm(PERMISSION):
        raise Http404
    closure = get_object_or_404(ClosureDay, pk=pk)
    services.closure_day_remove(closure_day=closure, by=request.user)
    messages.success(
        request,
        f"{closure.date:%a} {closure.date.day} {closure.date:%b %Y} is no longer a closure day.",
    )
    return redirect(reverse("applications:officer_closure_days"))


urlpatterns = [
    path("officer/closure-days/", officer_closure_days, name="officer_closure_days"),
    path(
        "officer/closure-days/<int:pk>/remove/",
        officer_closure_day_remove,
        name="officer_closure_day_remove",
    ),
]
