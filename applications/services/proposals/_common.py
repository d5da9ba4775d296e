"""Helpers shared by the proposal services: locking, permission and state checks, the people and
context of the proposal mails, private file storage and queueing the PDF."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from applications.models import PdfStatus, Proposal
from applications.workflow import workflow_for
from portal.models import Membership, Organisation

# Named after the package, as when the services were one module.
logger = logging.getLogger("applications.services.proposals")


def _is_member(user, organisation: Organisation | int) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    organisation_id = getattr(organisation, "pk", organisation)
    return Membership.objects.filter(organisation_id=organisation_id, user=user).exists()


def _lock(proposal: Proposal) -> Proposal:
    """Re-read the proposal under a row lock; the caller's object may be stale."""
    return Proposal.objects.select_for_update().select_related("call", "cutoff").get(pk=proposal.pk)


def _require_view(proposal: Proposal, by) -> None:
    if not by.has_perm("applications.view_proposal", proposal):
        raise PermissionDenied("You cannot see this proposal.")


def _require_editable(proposal: Proposal, by) -> None:
    """Members of the organisation edit drafts; nobody edits a submitted proposal. The state is
    checked first, so that a member learns why, rather than that they may not."""
    if not workflow_for(proposal.call).phase(proposal.status).applicant_can_edit:
        raise ValidationError(
            "This proposal is %(status)s and can no longer be edited.",
            code="locked",
            params={"status": proposal.get_status_display().lower()},
        )
    if not by.has_perm("applications.change_proposal", proposal):
        raise PermissionDenied("Only members of the applying organisation can edit this proposal.")


def _lock_for_edit(proposal: Proposal, by) -> Proposal:
    """The locked, fresh proposal an applicant's edit works on. Visibility is asked first so
    that someone who may not see the proposal learns nothing about its state."""
    _require_view(proposal, by)
    proposal = _lock(proposal)
    _require_editable(proposal, by)
    return proposal


def _team_recipients(proposal: Proposal) -> list:
    """The PI and every team member, each once."""
    people = {}
    if proposal.pi_id:
        people[proposal.pi_id] = proposal.pi
    for member in proposal.team.select_related("user"):
        people.setdefault(member.user_id, member.user)
    return [u for u in people.values() if u is not None and u.is_active]


def _proposal_context(proposal: Proposal) -> dict[str, Any]:
    """JSON-safe context shared by the proposal mails."""
    return {
        "proposal_id": proposal.pk,
        "reference": proposal.reference or "",
        "title": proposal.title or "Untitled proposal",
        "acronym": proposal.acronym,
        "call_title": proposal.call.title,
        "organisation": proposal.organisation.legal_name,
        "proposal_path": proposal.get_absolute_url(),
    }


def _store_private(proposal: Proposal, content: bytes) -> str:
    """Store a file under the proposal's private folder with a name nobody can guess."""
    path = f"proposals/{proposal.pk}/{uuid.uuid4().hex}.pdf"
    return default_storage.save(path, ContentFile(content))


def _delete_file_on_commit(name: str) -> None:
    if name:
        transaction.on_commit(lambda: default_storage.delete(name))


def pdf_requeue_at(now: datetime) -> datetime:
    """When the sweep queues a PDF again whose task never ran (the broker lost the message)."""
    return now + timedelta(seconds=settings.PROPOSAL_PDF_REQUEUE_AFTER_SECONDS)


def _queue_pdf(proposal_id: int) -> None:
    from applications.tasks import render_proposal_pdf

    try:
        render_proposal_pdf.delay(proposal_id)
    except Exception:  # broker down: due at once, so the first sweep after its return queues it
        logger.exception("Could not queue the PDF of proposal %s", proposal_id)
        Proposal.objects.filter(
            pk=proposal_id, pdf_status__in=[PdfStatus.PENDING, PdfStatus.FAILED]
        ).exclude(pdf_next_attempt_at=None).update(pdf_next_attempt_at=timezone.now())
