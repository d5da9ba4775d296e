"""The proposal's team: add, change and remove members; hand over the PI role."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from applications.models import Proposal, TeamMember
from portal.services.activity import activity_record

from ._common import _delete_file_on_commit, _is_member, _lock_for_edit, _store_private
from .attachments import check_pdf_upload
from .conflicts import EditConflict


def _check_expertise_and_cv(
    errors: dict[str, list[str]], *, expertise: str | None, cv
) -> bytes | None:
    """Add what is wrong with a team member's expertise or CV to `errors`, so the form shows
    every problem at once; return the CV's content when it is a good PDF."""
    limit = TeamMember._meta.get_field("expertise").max_length
    if expertise is not None and len(expertise) > limit:
        errors["expertise"] = [f"Describe the expertise in at most {limit} characters."]
    if cv is None:
        return None
    try:
        return check_pdf_upload(cv, field="cv")
    except ValidationError as exc:
        errors.update(exc.message_dict)
        return None


@transaction.atomic
def team_member_add(
    *, proposal: Proposal, by, user, role: str, expertise: str = "", cv=None
) -> TeamMember:
    """Add a member of the proposal's organisation to its team; role PI makes them the PI."""
    proposal = _lock_for_edit(proposal, by)
    errors: dict[str, list[str]] = {}
    if role not in TeamMember.Role.values:
        errors["role"] = [f"Choose a role from the list (not “{role}”)."]
    if not _is_member(user, proposal.organisation_id):
        errors["user"] = [
            f"{user.display_name} is not a member of {proposal.organisation}. Only members of "
            "the applying organisation can be on the team; invite them to it first."
        ]
    elif proposal.team.filter(user=user).exists():
        errors["user"] = [f"{user.display_name} is already on the team."]
    cv_content = _check_expertise_and_cv(errors, expertise=expertise, cv=cv)
    if errors:
        raise ValidationError(errors)
    member = TeamMember(
        proposal=proposal,
        user=user,
        role=role,
        expertise=(expertise or "").strip(),
        last_edited_by=by,
    )
    if cv_content is not None:
        member.cv.name = _store_private(proposal, cv_content)
    if role == TeamMember.Role.PI:
        _hand_over_pi(proposal, user, by=by)
    member.save()
    activity_record(
        actor=by,
        verb="team_member.add",
        target=proposal,
        data={"user": user.pk, "role": role},
    )
    return member


def _hand_over_pi(proposal: Proposal, user, *, by) -> None:
    """One PI per proposal: the previous PI stays on the team as co-investigator (a change to
    their row, so its version moves on too)."""
    proposal.team.filter(role=TeamMember.Role.PI).exclude(user=user).update(
        role=TeamMember.Role.CO_INVESTIGATOR,
        version=F("version") + 1,
        last_edited_by=by,
        updated_at=timezone.now(),
    )
    proposal.pi = user
    proposal.save(update_fields=["pi", "updated_at"])


@transaction.atomic
def team_member_update(
    *,
    proposal: Proposal,
    by,
    member: TeamMember,
    role: str | None = None,
    expertise: str | None = None,
    cv=None,
    expected_version: int | None = None,
) -> TeamMember:
    """Change a team member's role, expertise or CV. A change based on an older
    `expected_version` of the member's row raises EditConflict."""
    proposal = _lock_for_edit(proposal, by)
    # Looked up within this proposal: a member of another proposal is refused, not a crash.
    member = (
        TeamMember.objects.select_for_update(of=("self",))
        .select_related("user", "last_edited_by")
        .filter(pk=member.pk, proposal=proposal)
        .first()
    )
    if member is None:
        raise ValidationError({"member": "This person is not on the team."}, code="not_found")
    EditConflict.check(
        member, expected_version, subject=f"{member.user.display_name}'s details", viewer=by
    )
    errors: dict[str, list[str]] = {}
    if role is not None and role not in TeamMember.Role.values:
        errors["role"] = [f"Choose a role from the list (not “{role}”)."]
    if role is not None and member.role == TeamMember.Role.PI and role != TeamMember.Role.PI:
        errors["role"] = ["Make another team member the PI first; a proposal needs one."]
    cv_content = _check_expertise_and_cv(errors, expertise=expertise, cv=cv)
    if errors:
        raise ValidationError(errors)
    if expertise is not None:
        member.expertise = expertise.strip()
    if cv_content is not None:
        _delete_file_on_commit(member.cv.name)
        member.cv.name = _store_private(proposal, cv_content)
    if role is not None and role != member.role:
        if role == TeamMember.Role.PI:
            _hand_over_pi(proposal, member.user, by=by)
        member.role = role
    member.version += 1
    member.last_edited_by = by
    member.save()
    return member


@transaction.atomic
def team_member_remove(*, proposal: Proposal, by, member: TeamMember) -> None:
    proposal = _lock_for_edit(proposal, by)
    member = TeamMember.objects.filter(pk=member.pk, proposal=proposal).first()
    if member is None:
        raise ValidationError({"member": "This person is not on the team."}, code="not_found")
    if member.role == TeamMember.Role.PI or member.user_id == proposal.pi_id:
        raise ValidationError(
            {"member": "The PI cannot be removed; make another team member the PI first."},
            code="pi",
        )
    _delete_file_on_commit(member.cv.name)
    member.delete()
    activity_record(
        actor=by, verb="team_member.remove", target=proposal, data={"user": member.user_id}
    )
