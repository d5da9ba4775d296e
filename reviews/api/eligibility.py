"""API: a programme officer records a proposal's eligibility outcome, with the same service and
rules as the page. Anyone else learns nothing of the proposal (404)."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from applications.api.errors import service_errors
from applications.api.fields import UTCDateTimeField
from applications.api.proposals import PROPOSAL_ID_PARAMETER
from reviews.models import EligibilityCheck
from reviews.models.eligibility import REASON_MAX_CHARS
from reviews.selectors.eligibility import proposal_for_eligibility
from reviews.services.eligibility import eligibility_decide


class EligibilityOutcomeSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=EligibilityCheck.Outcome.choices)
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=REASON_MAX_CHARS,
        help_text="What the applicant reads; required when the outcome is ineligible.",
    )
    ticked = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**31 - 1),
        required=False,
        max_length=100,
        help_text="Ids of the call's manual checklist items the officer ticked.",
    )


class EligibilityItemSerializer(serializers.Serializer):
    label = serializers.CharField()
    kind = serializers.CharField()
    code = serializers.CharField(allow_blank=True)
    passed = serializers.BooleanField()
    facts = serializers.ListField(child=serializers.CharField())


class EligibilityCheckSerializer(serializers.ModelSerializer):
    proposal = serializers.IntegerField(source="proposal_id")
    items = EligibilityItemSerializer(many=True)
    checked_at = UTCDateTimeField()

    class Meta:
        model = EligibilityCheck
        fields = ["proposal", "outcome", "reason", "checked_at", "items"]


class ProposalEligibilityView(APIView):
    @extend_schema(
        summary="Record a proposal's eligibility (programme officers)",
        description="Eligible or ineligible, with the reason the applicant reads when ineligible. "
        "The automatic checklist items are computed by the portal and kept with the outcome; the "
        "refusal mail waits, held, for the officer to release it.",
        tags=["evaluation"],
        operation_id="proposals_eligibility",
        parameters=[PROPOSAL_ID_PARAMETER],
        request=EligibilityOutcomeSerializer,
        responses={
            201: EligibilityCheckSerializer,
            400: OpenApiResponse(description="Field errors, or the state allows no outcome."),
            404: OpenApiResponse(description="No such proposal for a programme officer."),
        },
    )
    def post(self, request, id: int):
        if not request.user.has_perm("reviews.check_eligibility"):
            raise Http404
        proposal = proposal_for_eligibility(pk=id)
        if proposal is None:
            raise Http404
        serializer = EligibilityOutcomeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with service_errors():
            check = eligibility_decide(
                proposal=proposal,
                outcome=data["outcome"],
                reason=data.get("reason", ""),
                ticked=data.get("ticked", []),
                by=request.user,
            )
        return Response(EligibilityCheckSerializer(check).data, status=201)
