"""The team section: people of the applying organisation, their roles and CVs."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from applications.forms.proposals import SECTIONS_BY_KEY, TeamMemberForm
from applications.models import Proposal, TeamMember
from applications.services import proposals as proposal_services
from applications.views.service_errors import form_add_service_errors, form_take_conflict
from portal.models import User

from .access import applicant_login_required, editable_proposal
from .pages import render_section, section_url


def _organisation_people(proposal: Proposal):
    return User.objects.filter(memberships__organisation_id=proposal.organisation_id).order_by(
        "first_name", "last_name", "email"
    )


def team_context(proposal: Proposal, add_form=None, member_forms=None) -> dict:
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
                        "version": member.version,
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


def _render_team(request, proposal: Proposal, **forms):
    return render_section(
        request, proposal, SECTIONS_BY_KEY["team"], **team_context(proposal, **forms)
    )


@applicant_login_required
@require_POST
def team_member_add(request, pk: int):
    proposal = editable_proposal(request, pk)
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
            form_add_service_errors(form, exc)
        else:
            messages.success(request, f"{member.user.display_name} is on the team.")
            return redirect(section_url(proposal, "team"))
    return _render_team(request, proposal, add_form=form)


@applicant_login_required
@require_POST
def team_member_change(request, pk: int, member_pk: int):
    proposal = editable_proposal(request, pk)
    member = get_object_or_404(
        TeamMember.objects.select_related("user"), pk=member_pk, proposal=proposal
    )
    people = _organisation_people(proposal).filter(pk=member.user_id)
    # The person is fixed by the URL, whatever the form posts.
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
                expected_version=form.cleaned_data["version"],
            )
        except proposal_services.EditConflict as exc:
            form_take_conflict(form, exc)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, f"Saved {member.user.display_name}'s details.")
            return redirect(section_url(proposal, "team"))
    return _render_team(request, proposal, member_forms={member.pk: form})


@applicant_login_required
@require_POST
def team_member_remove(request, pk: int, member_pk: int):
    proposal = editable_proposal(request, pk)
    member = get_object_or_404(
        TeamMember.objects.select_related("user"), pk=member_pk, proposal=proposal
    )
    try:
        proposal_services.team_member_remove(proposal=proposal, by=request.user, member=member)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, f"{member.user.display_name} is no longer on the team.")
    return redirect(section_url(proposal, "team"))
