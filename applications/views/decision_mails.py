"""The officer's review of a cut-off's decision mails: read, edit, release.

Decision mails wait, held, in the cut-off's batch (applications.services.decision_mails) until an
officer releases them here. The HTML version is previewed in a sandboxed frame loaded from its
own address, whose Content-Security-Policy allows the mail's inline styles and nothing else (no
script, no request anywhere): the page around it keeps the portal's strict policy, and the
preview shows the mail as mail clients will. A frame written with `srcdoc` would inherit the
page's policy, which refuses those styles, and so would show a mail unlike the one sent.
"""

from __future__ import annotations

from csp import constants as csp_constants
from csp.decorators import csp
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from applications.forms.decision_mails import HeldMailForm
from applications.models import CutOff
from applications.selectors import calls as call_selectors
from applications.selectors import decision_mails as selectors
from applications.services.decision_mails import cutoff_mail_batch
from applications.views.pagination import CountedPaginator
from applications.views.service_errors import form_add_service_errors
from portal.auth import login_required
from portal.models import Notification
from portal.services.notifications import notification_edit_held, notifications_release

PAGE_SIZE = 50
# What the confirmation of "release selected" lists; more are summed up in a count.
CONFIRM_LISTED = 100
# The preview frame's own policy: the mail's inline styles, and nothing that runs or loads; only
# the portal's own pages may frame it, and the document is sandboxed even when opened alone.
PREVIEW_POLICY = {
    "default-src": [csp_constants.NONE],
    "style-src": [csp_constants.UNSAFE_INLINE],
    "img-src": ["data:"],
    "form-action": [csp_constants.NONE],
    "base-uri": [csp_constants.NONE],
    "frame-ancestors": [csp_constants.SELF],
    "sandbox": [True],
}


def _cutoff(request, pk: int) -> CutOff:
    """The cut-off, for an officer who may review its mails; a 404 for anyone else."""
    if not request.user.has_perm("applications.review_decision_mails"):
        raise Http404
    cutoff = call_selectors.cutoff_for_officer(pk=pk)
    if cutoff is None or not request.user.has_perm("applications.review_decision_mails", cutoff):
        raise Http404
    return cutoff


def _list_url(cutoff: CutOff) -> str:
    return reverse("applications:officer_cutoff_mails", kwargs={"pk": cutoff.pk})


@login_required
@require_GET
def cutoff_mails(request, pk: int):
    cutoff = _cutoff(request, pk)
    total = selectors.cutoff_mails_held_count(cutoff=cutoff)
    page = CountedPaginator(
        selectors.cutoff_mails_held(cutoff=cutoff), PAGE_SIZE, count=total
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "applications/calls/officer_cutoff_mails.html",
        {"cutoff": cutoff, "call": cutoff.call, "page_obj": page, "total": total},
    )


def _selected_ids(request) -> list[int]:
    return sorted({int(v) for v in request.POST.getlist("mail") if v.isdigit()})


@login_required
@require_POST
def cutoff_mails_release(request, pk: int):
    """Two steps: the officer's choice is shown back for confirmation, then released."""
    cutoff = _cutoff(request, pk)
    scope = request.POST.get("scope")
    held = selectors.cutoff_mails_held(cutoff=cutoff)
    if scope == "all":
        up_to = request.POST.get("up_to", "")
        up_to_id = (
            int(up_to) if up_to.isdigit() else selectors.cutoff_mails_held_last_id(cutoff=cutoff)
        )
        chosen = held.filter(pk__lte=up_to_id or 0)
        ids: list[int] = []
    elif scope == "selected":
        ids = _selected_ids(request)
        if not ids:
            messages.error(
                request, "No mail was selected. Tick the mails to release, or release all."
            )
            return redirect(_list_url(cutoff))
        chosen = held.filter(pk__in=ids)
        up_to_id = None
    else:
        return redirect(_list_url(cutoff))
    if request.POST.get("confirm") != "yes":
        count = chosen.count()
        if not count:
            messages.info(request, "These mails were released already; nothing is left to do.")
            return redirect(_list_url(cutoff))
        return render(
            request,
            "applications/calls/officer_cutoff_mails_release.html",
            {
                "cutoff": cutoff,
                "call": cutoff.call,
                "scope": scope,
                "count": count,
                "listed": list(chosen[:CONFIRM_LISTED]),
                "ids": [m.pk for m in chosen] if scope == "selected" else [],
                "up_to": up_to_id,
            },
        )
    try:
        if scope == "all":
            result = notifications_release(
                by=request.user, batch=cutoff_mail_batch(cutoff), up_to_id=up_to_id
            )
        else:
            result = notifications_release(by=request.user, notifications=chosen)
    except PermissionDenied:
        raise Http404 from None
    if result.released:
        messages.success(
            request,
            f"{result.released} mail{'s' if result.released != 1 else ''} released; "
            "they are being sent now.",
        )
    if result.already or not result.released:
        messages.info(
            request,
            "Some of the chosen mails had been released by someone else in the meantime; "
            "each is sent once."
            if result.released
            else "Nothing was released: someone else released these mails in the meantime.",
        )
    return redirect(_list_url(cutoff))


def _mail(request, cutoff: CutOff, mail_pk: int) -> Notification:
    return get_object_or_404(selectors.cutoff_mails(cutoff=cutoff), pk=mail_pk)


@login_required
def cutoff_mail(request, pk: int, mail_pk: int):
    """One mail: its text and HTML preview, and, while it is held, the form to edit it. A
    refused edit (bad input, a change saved or a release made meanwhile) keeps what was typed."""
    cutoff = _cutoff(request, pk)
    mail = _mail(request, cutoff, mail_pk)
    initial = {"subject": mail.subject, "body_text": mail.body_text, "revision": mail.revision}
    form = HeldMailForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                notification_edit_held(
                    notification=mail,
                    subject=data["subject"],
                    body_text=data["body_text"],
                    revision=data["revision"],
                    by=request.user,
                )
            except PermissionDenied:
                raise Http404 from None
            except ValidationError as exc:
                form_add_service_errors(form, exc)
                if getattr(exc, "code", None) in ("conflict", "not_held"):
                    status = 409
                    mail.refresh_from_db()
                    # Based on the saved revision now: saving again replaces it, deliberately.
                    form.data = form.data.copy()
                    form.data["revision"] = str(mail.revision)
            else:
                messages.success(request, f"Mail to {mail.to_email} saved; it is still held.")
                return redirect(
                    reverse(
                        "applications:officer_cutoff_mail",
                        kwargs={"pk": cutoff.pk, "mail_pk": mail.pk},
                    )
                )
    return render(
        request,
        "applications/calls/officer_cutoff_mail.html",
        {
            "cutoff": cutoff,
            "call": cutoff.call,
            "mail": mail,
            "is_held": mail.status == Notification.Status.HELD,
            "form": form,
        },
        status=status,
    )


@login_required
@require_GET
@xframe_options_sameorigin
@csp(PREVIEW_POLICY)
def cutoff_mail_preview(request, pk: int, mail_pk: int):
    """The HTML version of one mail, as a document for the sandboxed preview frame."""
    cutoff = _cutoff(request, pk)
    mail = _mail(request, cutoff, mail_pk)
    body = mail.body_html or (
        '<!doctype html><html lang="en"><body><p>This mail has no HTML version; mail clients '
        "show its text.</p></body></html>"
    )
    return HttpResponse(body, content_type="text/html; charset=utf-8")


urlpatterns = [
    path("officer/cutoffs/<int:pk>/mails/", cutoff_mails, name="officer_cutoff_mails"),
    path(
        "officer/cutoffs/<int:pk>/mails/release/",
        cutoff_mails_release,
        name="officer_cutoff_mails_release",
    ),
    path(
        "officer/cutoffs/<int:pk>/mails/<int:mail_pk>/",
        cutoff_mail,
        name="officer_cutoff_mail",
    ),
    path(
        "officer/cutoffs/<int:pk>/mails/<int:mail_pk>/preview/",
        cutoff_mail_preview,
        name="officer_cutoff_mail_preview",
    ),
]
