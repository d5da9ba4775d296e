"""Every action the activity log knows, with its audience and its wording, in one table.

An entry's action is a dotted code, `<thing>.<verb>` (`proposal.submit`, `proposal.download`,
`assessment.submit`). Its audience decides who may ever read it:

- `applicant`: the applying side may see it on their timeline (dashboard, proposal page, API),
  worded for them by `applicant`; staff see it in the audit log, worded by `staff`;
- `staff`: the audit log only (downloads by officers, assessments, comments to the panel, every
  reviewer action). It never reaches an applicant, in pages, mails or the API.

A code missing from the table is recorded for staff only, worded by its code: the safe default.
Wordings are `str.format` templates over the entry's data plus `actor` (the person's name, or
"The portal"); a key the entry lacks reads as empty. An applicant wording never names staff: a
decision is the programme office's, whoever clicked.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import models


class Audience(models.TextChoices):
    APPLICANT = "applicant", "Applicant and staff"
    STAFF = "staff", "Staff only"


@dataclass(frozen=True)
class ActivityAction:
    code: str
    audience: str
    staff: str
    applicant: str = ""


A, S = Audience.APPLICANT, Audience.STAFF


def _table(*actions: ActivityAction) -> dict[str, ActivityAction]:
    table = {}
    for action in actions:
        if action.code in table:
            raise ValueError(f"{action.code} is in the activity table twice")
        if action.audience == A and not action.applicant:
            raise ValueError(f"{action.code} is for applicants but has no applicant wording")
        table[action.code] = action
    return table


ACTIONS: dict[str, ActivityAction] = _table(
    # --- organisations and people (the portal core) ---------------------------------------------
    ActivityAction(
        "organisation.create",
        A,
        "{actor} created the organisation",
        "{actor} created the organisation",
    ),
    ActivityAction(
        "organisation.update",
        A,
        "{actor} updated the organisation profile",
        "{actor} updated the organisation profile",
    ),
    ActivityAction("invitation.create", A, "{actor} invited {email}", "{actor} invited {email}"),
    ActivityAction(
        "invitation.resend",
        A,
        "{actor} sent the invitation to {email} again",
        "{actor} sent the invitation to {email} again",
    ),
    ActivityAction(
        "invitation.revoke",
        A,
        "{actor} revoked the invitation to {email}",
        "{actor} revoked the invitation to {email}",
    ),
    ActivityAction(
        "invitation.accept", A, "{actor} accepted the invitation", "{actor} joined the organisation"
    ),
    ActivityAction("membership.remove", A, "{actor} removed a member", "{actor} removed a member"),
    ActivityAction(
        "membership.change_role",
        A,
        "{actor} changed a member's role",
        "{actor} changed a member's role",
    ),
    ActivityAction("api_token.issue", S, "{actor} issued an API token"),
    ActivityAction("api_token.revoke", S, "{actor} revoked their API token"),
    # --- the centre catalogue -------------------------------------------------------------------
    ActivityAction("catalogue.seed", S, "The catalogue of centres and partitions was loaded"),
    ActivityAction("partition.update", S, "{actor} updated the partition"),
    # --- hours held in capacity pools (allocations) ------------------------------------------
    ActivityAction("pool.change_hours", S, "{actor} changed the pool's hours"),
    ActivityAction("allocation.reserve", S, "{actor} reserved {hours} hours under {reference}"),
    ActivityAction("allocation.release", S, "{actor} released the hours of {reference}"),
    ActivityAction(
        "allocation.change_hours", S, "{actor} changed the hours of {reference} to {hours}"
    ),
    # --- the programme's closure days (time to access) -----------------------------------------
    ActivityAction("closure_day.add", S, "{actor} made {date} a closure day"),
    ActivityAction("closure_day.remove", S, "{actor} made {date} a working day again"),
    # --- technical assessment by the hosting centres (staff only: comments to the panel) -------
    ActivityAction("assessment.open", S, "A technical assessment by {centre} was opened"),
    ActivityAction("assessment.submit", S, "{actor} of {centre} assessed a request: {outcome}"),
    ActivityAction("assessment.overdue", S, "The technical assessment by {centre} is overdue"),
    # --- the reviewer pool and conflicts of interest (staff only: reviewers stay anonymous) ----
    ActivityAction("reviewer_pool.invite", S, "{actor} invited {email} to review for the call"),
    ActivityAction("reviewer_pool.accept", S, "{actor} joined the call's reviewer pool"),
    ActivityAction("reviewer_pool.decline", S, "{actor} declined to review for the call"),
    ActivityAction("reviewer_pool.remove", S, "{actor} removed {email} from the reviewer pool"),
    ActivityAction("reviewer_pool.terms_accept", S, "{actor} accepted the confidentiality terms"),
    ActivityAction("reviewer_profile.update", S, "{actor} updated their reviewer profile"),
    ActivityAction("conflict.declare", S, "{actor} declared a conflict of interest ({type})"),
    ActivityAction(
        "conflict.detect", S, "Conflict detection ran: {found} found, {new} of them new"
    ),
    ActivityAction(
        "conflict.confirm", S, "{actor} confirmed a detected conflict ({rule}): {reason}"
    ),
    ActivityAction(
        "conflict.dismiss", S, "{actor} dismissed a detected conflict ({rule}): {reason}"
    ),
    ActivityAction("conflict.none", S, "{actor} confirmed having no conflict with the proposal"),
    # --- reviewer assignment (staff only: reviewers stay anonymous) ---------------------------
    ActivityAction(
        "assignment.run_apply", S, "{actor} applied an automatic assignment: {created} new"
    ),
    ActivityAction("assignment.add", S, "{actor} assigned {reviewer} to review the proposal"),
    ActivityAction("assignment.remove", S, "{actor} removed {reviewer} from the proposal"),
    ActivityAction("assignment.accept", S, "{actor} accepted to review the proposal"),
    ActivityAction("assignment.decline", S, "{actor} declined to review the proposal: {reason}"),
    ActivityAction(
        "call.peer_review_settings", S, "{actor} changed the call's peer review settings"
    ),
    ActivityAction(
        "assignment.conflicted",
        S,
        "{reviewer} was taken off the proposal: a conflict of interest was {cause}",
    ),
    # --- reviews and scores (staff only: reviewers stay anonymous) ----------------------------
    ActivityAction("review.start", S, "{actor} started a review"),
    ActivityAction(
        "review.submit", S, "{actor} submitted a review (weighted total {weighted_total})"
    ),
    ActivityAction("review.remind", S, "The portal sent a review reminder ({reminder})"),
    # --- first-come-first-served decisions (staff only: why the officer overrode a centre) ---
    ActivityAction(
        "decision.override",
        S,
        "{actor} awarded {hours} hours on {partition}, above the {recommended} recommended: "
        "{reason}",
    ),
    # --- the panel ranking and the funding line (staff only: the panel's work stays with it) --
    ActivityAction(
        "ranking.move", S, "{actor} moved the proposal from {from} to {to} in the ranking: {reason}"
    ),
    ActivityAction("panel_note.add", S, "{actor} wrote a panel note on the proposal"),
    ActivityAction("panel.close", S, "{actor} closed the panel; the ranking is frozen"),
    ActivityAction(
        "funding_line.apply",
        S,
        "{actor} applied the funding line: {awarded} awarded, {waitlisted} waitlisted, "
        "{rejected} rejected",
    ),
    # --- decision mails held for review (staff only: an applicant sees the mail, not its review)
    ActivityAction("notification.edit", S, "{actor} edited the held mail to {to}"),
    ActivityAction("notification.release", S, "{actor} released a held mail"),
    ActivityAction("notification.discard", S, "A held mail was replaced by a later one"),
    # --- calls, set up by programme officers ----------------------------------------------------
    ActivityAction("call.create", S, "{actor} created the call"),
    ActivityAction("call.update", S, "{actor} updated the call"),
    ActivityAction("call.publish", S, "{actor} published the call"),
    ActivityAction("call.unpublish", S, "{actor} unpublished the call"),
    ActivityAction("call.update_pools", S, "{actor} changed the call's pools"),
    # A call's eligibility checklist (reviews): the programme office's own business.
    ActivityAction(
        "eligibility_item.add", S, "{actor} added “{label}” to the eligibility checklist"
    ),
    ActivityAction(
        "eligibility_item.remove", S, "{actor} removed “{label}” from the eligibility checklist"
    ),
    ActivityAction("eligibility_item.move", S, "{actor} reordered the eligibility checklist"),
    ActivityAction("cutoff.add", S, "{actor} added a cut-off"),
    ActivityAction("cutoff.generate_schedule", S, "{actor} generated the cut-off schedule"),
    ActivityAction("cutoff.delete", S, "{actor} deleted a cut-off"),
    ActivityAction("cutoff.close", S, "The cut-off closed"),
    ActivityAction("offered_partition.add", S, "{actor} offered {partition}"),
    ActivityAction("offered_partition.update", S, "{actor} changed the limits of {partition}"),
    ActivityAction("offered_partition.remove", S, "{actor} stopped offering {partition}"),
    ActivityAction("criterion.add", S, "{actor} added the criterion {name}"),
    ActivityAction("criterion.update", S, "{actor} changed the criterion {name}"),
    ActivityAction("criterion.delete", S, "{actor} deleted the criterion {name}"),
    # --- a proposal as its team writes it -------------------------------------------------------
    ActivityAction(
        "proposal.create", A, "{actor} started the proposal", "{actor} started the proposal"
    ),
    ActivityAction(
        "proposal.roll_over",
        A,
        "The draft moved to the next cut-off",
        "Moved to the call's next cut-off",
    ),
    ActivityAction(
        "team_member.add", A, "{actor} added a team member", "{actor} added a team member"
    ),
    ActivityAction(
        "team_member.remove", A, "{actor} removed a team member", "{actor} removed a team member"
    ),
    ActivityAction(
        "resource_request.add",
        A,
        "{actor} added a resource request",
        "{actor} added a resource request",
    ),
    ActivityAction(
        "resource_request.change",
        A,
        "{actor} changed a resource request",
        "{actor} changed a resource request",
    ),
    ActivityAction(
        "resource_request.remove",
        A,
        "{actor} removed a resource request",
        "{actor} removed a resource request",
    ),
    ActivityAction("attachment.upload", A, "{actor} uploaded {name}", "{actor} uploaded {name}"),
    ActivityAction("attachment.remove", A, "{actor} removed {name}", "{actor} removed {name}"),
    ActivityAction(
        "proposal_pdf.render",
        A,
        "The proposal PDF was rendered",
        "The PDF of the submitted proposal is ready",
    ),
    ActivityAction(
        "proposal_pdf.fail", S, "The proposal PDF failed after {attempts} attempts: {error}"
    ),
    ActivityAction("proposal_pdf.requeue", S, "{actor} queued the proposal PDF again"),
    # Confidential documents: every download is evidence, and nobody else's business.
    ActivityAction("proposal.download", S, "{actor} downloaded the {document} {file}"),
    # --- the proposal's evaluation path (applications.workflow, through the one door) -----------
    ActivityAction(
        "proposal.submit",
        A,
        "{actor} submitted the proposal ({reference})",
        "{actor} submitted the proposal ({reference})",
    ),
    ActivityAction(
        "proposal.withdraw",
        A,
        "{actor} withdrew the proposal: {reason}",
        "{actor} withdrew the proposal",
    ),
    ActivityAction(
        "proposal.declare_eligible",
        A,
        "{actor} declared the proposal eligible",
        "The programme office found the proposal eligible",
    ),
    ActivityAction(
        "proposal.declare_ineligible",
        A,
        "{actor} declared the proposal ineligible: {reason}",
        "The programme office found the proposal not eligible: {reason}",
    ),
    ActivityAction(
        "proposal.start_review", A, "{actor} started the evaluation", "The evaluation started"
    ),
    ActivityAction(
        "proposal.open_reply", A, "{actor} opened the right of reply", "The right of reply opened"
    ),
    ActivityAction(
        "proposal.send_to_panel",
        A,
        "{actor} sent the proposal to the panel",
        "The proposal went to the panel",
    ),
    ActivityAction(
        "proposal.award", A, "{actor} awarded the proposal", "The proposal was awarded hours"
    ),
    ActivityAction(
        "proposal.waitlist",
        A,
        "{actor} put the proposal on the waiting list",
        "The proposal is on the waiting list",
    ),
    ActivityAction(
        "proposal.reject", A, "{actor} rejected the proposal", "The proposal was not funded"
    ),
    ActivityAction(
        "proposal.accept", A, "{actor} accepted the award", "{actor} accepted the award"
    ),
    ActivityAction(
        "proposal.decline", A, "{actor} declined the award", "{actor} declined the award"
    ),
    # --- the right of reply (what the reviews say stays with them: never who wrote them) ---------
    ActivityAction(
        "reply.submit",
        A,
        "{actor} submitted the reply to the reviews ({words} words)",
        "{actor} submitted the reply to the reviews",
    ),
    ActivityAction(
        "proposal.lapse",
        A,
        "The award lapsed (not accepted in time)",
        "The award lapsed: it was not accepted in time",
    ),
)


def action_for(code: str) -> ActivityAction:
    """The table's row for `code`; an unknown code is staff-only, worded by the code itself."""
    return ACTIONS.get(code) or ActivityAction(code, Audience.STAFF, code)


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def _render(template: str, actor_name: str, data: Mapping[str, Any] | None) -> str:
    values = _Blank({k: v for k, v in (data or {}).items() if isinstance(v, str | int)})
    values["actor"] = actor_name
    text = string.Formatter().vformat(template, (), values)
    # Drop what an absent value leaves behind: "uploaded " or "()".
    return " ".join(text.replace("()", "").replace(": .", ".").split()).rstrip(" :")


def staff_wording(code: str, *, actor_name: str, data: Mapping[str, Any] | None = None) -> str:
    return _render(action_for(code).staff, actor_name or "The portal", data)


def applicant_wording(code: str, *, actor_name: str, data: Mapping[str, Any] | None = None) -> str:
    """The words an applicant reads; empty for an action they must never see."""
    action = action_for(code)
    if action.audience != Audience.APPLICANT:
        return ""
    return _render(action.applicant, actor_name or "The portal", data)
