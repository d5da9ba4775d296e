"""API: the programme officer's dossier of a proposal, the data of reviews:officer_proposal.

The same selector and rule as the page (reviews.view_proposal_dossier): anyone but a programme
officer gets a 404. The sections themselves are the proposal's own resource
(/api/v1/proposals/{id}/), linked from here rather than repeated.
"""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from applications.api.fields import UTCDateTimeField
from applications.api.proposals import PROPOSAL_ID_PARAMETER
from applications.models import ProposalReply
from applications.time_to_access import ClockState
from portal.models.organisations import OrganisationKind
from reviews.models import EligibilityCheck, TechnicalAssessment
from reviews.selectors.dossier import dossier_proposal, officer_dossier


class DossierProposalSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    title = serializers.CharField()
    acronym = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField(help_text="The state as staff call it on its path.")
    call = serializers.CharField(source="call.slug")
    cutoff_at = UTCDateTimeField(source="cutoff.at")
    submitted_at = UTCDateTimeField(allow_null=True)
    url = serializers.CharField(help_text="The proposal's own resource: every section.")
    pdf_url = serializers.CharField(allow_null=True, help_text="Null until the PDF is ready.")


class DossierOrganisationSerializer(serializers.Serializer):
    legal_name = serializers.CharField()
    country = serializers.CharField()
    registration_number = serializers.CharField()
    vat_number = serializers.CharField(allow_blank=True)
    founded_on = serializers.DateField()
    kind = serializers.ChoiceField(choices=OrganisationKind.choices)
    employees = serializers.IntegerField(help_text="Staff headcount (full-time equivalents).")
    annual_turnover_eur = serializers.DecimalField(max_digits=14, decimal_places=2)
    balance_sheet_eur = serializers.DecimalField(max_digits=14, decimal_places=2)


class DossierAssessmentSerializer(serializers.Serializer):
    centre = serializers.CharField(source="centre.short_name")
    status = serializers.ChoiceField(choices=TechnicalAssessment.Status.choices)
    outcome = serializers.ChoiceField(choices=TechnicalAssessment.Outcome.choices, allow_blank=True)
    recommended_hours = serializers.IntegerField(allow_null=True)
    suggested_partition = serializers.CharField(allow_null=True)
    comment_to_applicant = serializers.CharField(allow_blank=True)
    comment_to_panel = serializers.CharField(allow_blank=True)
    deadline = UTCDateTimeField()
    submitted_at = UTCDateTimeField(allow_null=True)


class DossierRequestSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="request.pk")
    partition = serializers.CharField(source="request.offered_partition.partition")
    centre = serializers.CharField(source="request.offered_partition.partition.centre.short_name")
    hours = serializers.IntegerField(source="request.hours")
    unit = serializers.CharField(source="request.offered_partition.partition.unit")
    assessment = DossierAssessmentSerializer(allow_null=True)


class DossierAttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="original_name")
    kind = serializers.CharField()
    size_bytes = serializers.IntegerField()
    download_url = serializers.CharField(help_text="Each download is in the audit trail.")


class DossierEligibilitySerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=EligibilityCheck.Outcome.choices)
    reason = serializers.CharField(allow_blank=True)
    checked_at = UTCDateTimeField()
    items_passed = serializers.IntegerField()
    items_total = serializers.IntegerField()


class DossierClockSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=[s.value for s in ClockState])
    headline = serializers.CharField()
    detail = serializers.CharField()
    due_on = serializers.DateField()


class DossierEntrySerializer(serializers.Serializer):
    at = UTCDateTimeField()
    text = serializers.CharField()


class DossierActionSerializer(serializers.Serializer):
    action = serializers.CharField()
    label = serializers.CharField()
    url = serializers.CharField(
        allow_null=True,
        help_text="The page that takes this step; null when the officer's view of the proposal "
        "takes it itself, or when its page is not in the portal yet.",
    )


class DossierReplySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ProposalReply.Status.choices)
    opened_at = UTCDateTimeField()
    deadline = UTCDateTimeField(help_text="The end of the last working day to reply.")
    submitted_at = UTCDateTimeField(allow_null=True)
    submitted_by = serializers.CharField(allow_null=True, help_text="The team member's name.")
    text = serializers.CharField(
        allow_null=True, help_text="The reply as submitted; null while it is a draft."
    )


class DossierSerializer(serializers.Serializer):
    proposal = DossierProposalSerializer()
    organisation = DossierOrganisationSerializer()
    requests = DossierRequestSerializer(many=True)
    attachments = DossierAttachmentSerializer(many=True)
    eligibility = DossierEligibilitySerializer(allow_null=True)
    time_to_access = DossierClockSerializer(allow_null=True)
    audit_trail = DossierEntrySerializer(many=True)
    actions = DossierActionSerializer(many=True)
    reply = DossierReplySerializer(
        allow_null=True, help_text="The right of reply, once opened; null before."
    )


def _data(request, dossier) -> dict:
    proposal = dossier.proposal
    pk = proposal.pk
    check = dossier.eligibility
    clock = dossier.clock
    return {
        "proposal": {
            "id": pk,
            "reference": proposal.reference,
            "title": proposal.title,
            "acronym": proposal.acronym,
            "status": proposal.status,
            "status_label": dossier.phase.staff_label,
            "call": proposal.call,
            "cutoff": proposal.cutoff,
            "submitted_at": proposal.submitted_at,
            "url": request.build_absolute_uri(
                reverse("applications_api:proposal-detail", args=[pk])
            ),
            "pdf_url": request.build_absolute_uri(reverse("applications:proposal_pdf", args=[pk]))
            if dossier.pdf_ready
            else None,
        },
        "organisation": dossier.organisation,
        "requests": [
            {
                "request": row.request,
                "assessment": None
                if row.assessment is None
                else {
                    **{
                        f: getattr(row.assessment, f)
                        for f in (
                            "centre",
                            "status",
                            "outcome",
                            "comment_to_applicant",
                            "comment_to_panel",
                            "deadline",
                            "submitted_at",
                        )
                    },
                    "recommended_hours": row.assessment.recommended_hours,
                    "suggested_partition": str(row.assessment.suggested_partition)
                    if row.assessment.suggested_partition
                    else None,
                },
            }
            for row in dossier.requests
        ],
        "attachments": [
            {
                "id": a.pk,
                "original_name": a.original_name,
                "kind": a.kind,
                "size_bytes": a.size_bytes,
                "download_url": request.build_absolute_uri(
                    reverse("applications:attachment_download", args=[pk, a.pk])
                ),
            }
            for a in dossier.attachments
        ],
        "eligibility": None
        if check is None
        else {
            "outcome": check.outcome,
            "reason": check.reason,
            "checked_at": check.checked_at,
            "items_passed": dossier.checklist_passed,
            "items_total": len(check.items),
        },
        "time_to_access": None
        if clock is None
        else {
            "state": clock.state,
            "headline": clock.headline,
            "detail": clock.detail,
            "due_on": clock.due_on,
        },
        "audit_trail": dossier.audit_trail,
        "actions": [
            {"action": a.action, "label": a.label, "url": a.url or None} for a in dossier.actions
        ],
        "reply": _reply_data(dossier.reply),
    }


def _reply_data(reply) -> dict | None:
    if reply is None:
        return None
    return {
        "status": reply.status,
        "opened_at": reply.opened_at,
        "deadline": reply.deadline,
        "submitted_at": reply.submitted_at,
        "submitted_by": reply.submitted_by.display_name
        if reply.is_submitted and reply.submitted_by
        else None,
        "text": reply.text if reply.is_submitted else None,
    }


class ProposalDossierView(APIView):
    @extend_schema(
        summary="A proposal's dossier (programme officers)",
        description="What the officer's view of a proposal shows: organisation facts, each "
        "request with its centre's technical assessment (the comment to the panel included), "
        "attachments, the eligibility outcome, the time-to-access clock, the full audit trail "
        "(staff wording, newest first) and the steps the workflow allows this officer now. "
        "Submitted proposals only; anyone but a programme officer gets a 404.",
        tags=["evaluation"],
        operation_id="proposals_dossier",
        parameters=[PROPOSAL_ID_PARAMETER],
        responses={
            200: DossierSerializer,
            404: OpenApiResponse(description="No such proposal for a programme officer."),
        },
    )
    def get(self, request, id: int):
        proposal = dossier_proposal(pk=id)
        if proposal is None or not request.user.has_perm("reviews.view_proposal_dossier", proposal):
            raise Http404
        dossier = officer_dossier(proposal=proposal, user=request.user)
        return Response(DossierSerializer(_data(request, dossier)).data)
