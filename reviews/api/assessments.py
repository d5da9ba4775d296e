"""API of the technical assessment: an assessor lists their centres' assessments and submits one.

Visibility comes from reviews.selectors.assessments (their centres only: anything else is a 404),
and the write from reviews.services.assessments; the serializers check the shape of the input only.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from allocations.models import Partition
from applications.api.errors import service_errors
from applications.api.fields import UTCDateTimeField
from portal.validators import SHORT_TEXT_MAX_CHARS
from reviews.models import TechnicalAssessment
from reviews.selectors import assessments as selectors
from reviews.services.assessments import assessment_submit

MAX_HOURS = 10**12 - 1  # the model's 12 digits


class TechnicalAssessmentSerializer(serializers.ModelSerializer):
    proposal_reference = serializers.CharField(
        source="proposal.reference", read_only=True, allow_null=True
    )
    proposal_title = serializers.CharField(source="proposal.title", read_only=True)
    centre = serializers.CharField(source="centre.short_name", read_only=True)
    partition = serializers.CharField(source="request.offered_partition.partition", read_only=True)
    unit = serializers.CharField(source="request.offered_partition.partition.unit", read_only=True)
    requested_hours = serializers.IntegerField(source="request.hours", read_only=True)
    # Empty until the assessment is submitted.
    outcome = serializers.ChoiceField(
        choices=TechnicalAssessment.Outcome.choices, allow_blank=True, read_only=True
    )
    recommended_hours = serializers.IntegerField(read_only=True, allow_null=True)
    deadline = UTCDateTimeField(read_only=True)
    submitted_at = UTCDateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = TechnicalAssessment
        fields = [
            "id",
            "proposal",
            "proposal_reference",
            "proposal_title",
            "centre",
            "partition",
            "unit",
            "requested_hours",
            "status",
            "outcome",
            "recommended_hours",
            "suggested_partition",
            "comment_to_applicant",
            "comment_to_panel",
            "deadline",
            "submitted_at",
        ]
        read_only_fields = fields


class AssessmentSubmitSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=TechnicalAssessment.Outcome.choices)
    recommended_hours = serializers.IntegerField(
        min_value=0, max_value=MAX_HOURS, allow_null=True, required=False, default=None
    )
    suggested_partition = serializers.PrimaryKeyRelatedField(
        queryset=Partition.objects.all(), allow_null=True, required=False, default=None
    )
    comment_to_applicant = serializers.CharField(
        max_length=SHORT_TEXT_MAX_CHARS, allow_blank=True, required=False, default=""
    )
    comment_to_panel = serializers.CharField(
        max_length=SHORT_TEXT_MAX_CHARS, allow_blank=True, required=False, default=""
    )


@extend_schema_view(
    list=extend_schema(summary="The technical assessments of your centres"),
    retrieve=extend_schema(summary="One technical assessment of your centres"),
)
class TechnicalAssessmentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = TechnicalAssessmentSerializer
    filter_backends: list = []

    def get_queryset(self):
        return selectors.assessments_for_assessor(user=self.request.user)

    @extend_schema(
        summary="Submit a technical assessment",
        request=AssessmentSubmitSerializer,
        responses={
            200: TechnicalAssessmentSerializer,
            400: OpenApiResponse(description="Invalid input, or already submitted."),
            404: OpenApiResponse(description="Not an assessment of your centres."),
        },
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        assessment = self.get_object()
        data = AssessmentSubmitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with service_errors():
            done = assessment_submit(assessment=assessment, by=request.user, **data.validated_data)
        return Response(
            self.get_serializer(
                selectors.assessment_for_assessor(user=request.user, pk=done.pk)
            ).data
        )
