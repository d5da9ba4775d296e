"""Public call catalogue: published calls with their cut-offs, offered partitions and criteria."""

from __future__ import annotations

import django_filters
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.permissions import AllowAny

from allocations.models import Partition
from applications.models import Call, CallPartition, CutOff, EvaluationCriterion
from applications.modes import AccessMode
from applications.selectors.calls import calls_published

from .fields import APIModelSerializer


class PartitionSerializer(APIModelSerializer):
    centre = serializers.CharField(source="centre.short_name", read_only=True)
    centre_name = serializers.CharField(source="centre.name", read_only=True)
    unit_label = serializers.CharField(read_only=True)
    hardware_summary = serializers.CharField(read_only=True)

    class Meta:
        model = Partition
        fields = [
            "id",
            "centre",
            "centre_name",
            "system_name",
            "name",
            "kind",
            "accelerator_model",
            "accelerators_per_node",
            "accelerator_memory_gb",
            "cores_per_node",
            "nodes",
            "unit",
            "unit_label",
            "hardware_summary",
        ]
        read_only_fields = fields


class OfferedPartitionSerializer(APIModelSerializer):
    """A partition a call offers, with the request limits in the partition's unit."""

    partition = PartitionSerializer(read_only=True)
    unit = serializers.CharField(source="partition.unit", read_only=True)
    unit_label = serializers.CharField(source="partition.unit_label", read_only=True)
    min_hours = serializers.IntegerField(read_only=True)
    max_hours = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="Null when there is no upper limit."
    )
    estimator_tflops = serializers.DecimalField(
        max_digits=7,
        decimal_places=1,
        read_only=True,
        help_text="Sustained TFLOP/s per accelerator the GPU-hours estimator assumes.",
    )

    class Meta:
        model = CallPartition
        fields = [
            "id",
            "partition",
            "unit",
            "unit_label",
            "min_hours",
            "max_hours",
            "estimator_tflops",
        ]
        read_only_fields = fields


class CutOffSerializer(APIModelSerializer):
    class Meta:
        model = CutOff
        fields = ["id", "at", "closed_at"]
        read_only_fields = fields


class CriterionSerializer(APIModelSerializer):
    class Meta:
        model = EvaluationCriterion
        fields = ["name", "description", "weight", "scale_min", "scale_max", "threshold"]
        read_only_fields = fields


class CallSerializer(APIModelSerializer):
    mode_label = serializers.CharField(source="get_mode_display", read_only=True)
    evaluation_path = serializers.CharField(read_only=True)
    durations_months = serializers.ListField(child=serializers.IntegerField(), read_only=True)
    eligible_countries = serializers.ListField(child=serializers.CharField(), read_only=True)
    eligible_organisation_kinds = serializers.ListField(
        child=serializers.CharField(), read_only=True
    )
    cutoffs = CutOffSerializer(many=True, read_only=True)
    offered_partitions = OfferedPartitionSerializer(many=True, read_only=True)
    criteria = CriterionSerializer(many=True, read_only=True)

    class Meta:
        model = Call
        fields = [
            "slug",
            "title",
            "mode",
            "mode_label",
            "evaluation_path",
            "summary",
            "description",
            "opens_at",
            "closes_at",
            "display_timezone",
            "durations_months",
            "days_to_access",
            "eligible_countries",
            "eligible_organisation_kinds",
            "one_open_proposal_per_cutoff",
            "abstract_max_chars",
            "cutoffs",
            "offered_partitions",
            "criteria",
        ]
        read_only_fields = fields


class CallFilter(django_filters.FilterSet):
    mode = django_filters.ChoiceFilter(choices=AccessMode.choices)

    class Meta:
        model = Call
        fields = ["mode"]


@extend_schema_view(
    list=extend_schema(summary="Published calls", tags=["calls"]),
    retrieve=extend_schema(summary="One published call", tags=["calls"]),
)
class CallViewSet(viewsets.ReadOnlyModelViewSet):
    """Published calls, open to anyone; times are UTC."""

    serializer_class = CallSerializer
    permission_classes = [AllowAny]
    lookup_field = "slug"
    filterset_class = CallFilter

    def get_queryset(self):
        return calls_published().prefetch_related(
            "cutoffs",
            Prefetch(
                "offered_partitions",
                queryset=CallPartition.objects.select_related("partition__centre"),
            ),
            "criteria",
        )
