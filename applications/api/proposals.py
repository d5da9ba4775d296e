"""The user's own proposals and their resource requests.

Visibility comes from applications.selectors.proposals, permissions from applications.rules (via
ProposalPermission), and every write from applications.services.proposals: serializers only check
the shape of the input, never a business rule.
"""

from __future__ import annotations

import django_filters
from django.core.validators import MaxLengthValidator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from applications.models import (
    AI_ACT_QUESTIONS,
    Call,
    CallPartition,
    Proposal,
    ProposalStatus,
    ResourceRequest,
)
from applications.selectors.calls import calls_published
from applications.selectors.proposals import (
    proposal_history_for,
    proposals_listed_for,
    proposals_visible_to,
)
from applications.services.proposals import (
    EDITABLE_FIELDS,
    proposal_create,
    proposal_submit,
    proposal_update,
    proposal_withdraw,
    resource_request_delete,
    resource_request_save,
)
from portal.models import Organisation

from .errors import service_errors
from .fields import APIModelSerializer, UTCDateTimeField
from .pagination import RecentFirstPagination
from .permissions import ProposalPermission, proposal_permission_check

# Storage limits of the model fields (max_digits, integer ranges); the call's limits are checked
# by the services.
MAX_HOURS_DIGITS = 12
MAX_STORAGE_TB_DIGITS = 8
MAX_JOB_SIZE = 2**31 - 1  # PositiveIntegerField
MAX_DURATION_MONTHS = 2**15 - 1  # PositiveSmallIntegerField


def model_limits(model, name: str) -> dict:
    """The size limit and validators of a model's text or JSON field, for a field declared by
    hand on a serializer (model-generated fields get them automatically)."""
    field = model._meta.get_field(name)
    if field.max_length is None:
        return {"validators": list(field.validators)}
    # The serializer field checks max_length itself; the model's copy would repeat the message.
    others = [v for v in field.validators if not isinstance(v, MaxLengthValidator)]
    return {"max_length": field.max_length, "validators": others}


# Sections an applicant edits, in form order; the service's list is the one source of truth.
EDITABLE_PROPOSAL_FIELDS = [name for names in EDITABLE_FIELDS.values() for name in names]


# --- Serializers -------------------------------------------------------------------------------


class ResourceRequestSerializer(APIModelSerializer):
    offered_partition = serializers.PrimaryKeyRelatedField(
        queryset=CallPartition.objects.all(),
        help_text="Id of one of the call's offered partitions (see the call's offered_partitions).",
    )
    partition = serializers.CharField(source="offered_partition.partition", read_only=True)
    unit = serializers.CharField(source="offered_partition.partition.unit", read_only=True)
    # Whole numbers and sizes only; the call's limits and the allowed durations are checked by
    # resource_request_save, which names them in its errors.
    hours = serializers.IntegerField(
        max_value=10**MAX_HOURS_DIGITS - 1, help_text="In the partition's unit."
    )
    job_size = serializers.IntegerField(
        max_value=MAX_JOB_SIZE,
        help_text="Typical job size in GPUs (GPU partitions) or nodes (CPU partitions).",
    )
    storage_tb = serializers.DecimalField(
        max_digits=MAX_STORAGE_TB_DIGITS, decimal_places=2, required=False
    )
    duration_months = serializers.IntegerField(
        min_value=0,
        max_value=MAX_DURATION_MONTHS,
        help_text="One of the call's durations_months.",
    )
    justification = serializers.CharField(
        allow_blank=True,
        required=False,
        help_text="Required by the time the proposal is submitted.",
        **model_limits(ResourceRequest, "justification"),
    )
    estimator_inputs = serializers.DictField(
        required=False,
        help_text='What the estimator was given: {"parameters", "tokens", "tflops"}.',
        **model_limits(ResourceRequest, "estimator_inputs"),
    )
    version = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text="The request's version when it was loaded. Required to change a request; "
        "a stale one gets 409. Ignored when adding one.",
    )

    def validate(self, attrs):
        # Required even in a PATCH: without it a teammate's newer edit could be overwritten.
        if self.instance is not None and "version" not in attrs:
            raise serializers.ValidationError({"version": ["This field is required."]})
        return attrs

    class Meta:
        model = ResourceRequest
        fields = [
            "version",
            "id",
            "offered_partition",
            "partition",
            "unit",
            "hours",
            "job_size",
            "storage_tb",
            "duration_months",
            "justification",
            "estimator_inputs",
        ]
        read_only_fields = ["id"]


class OrganisationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    legal_name = serializers.CharField(read_only=True)


class PersonRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(source="display_name", read_only=True)


class ProposalSerializer(APIModelSerializer):
    call = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    cutoff_at = UTCDateTimeField(source="cutoff.at", read_only=True)
    organisation = OrganisationRefSerializer(read_only=True)
    pi = PersonRefSerializer(read_only=True, allow_null=True)
    last_edited_by = PersonRefSerializer(read_only=True, allow_null=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    ai_act_answers = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=3),
        required=False,
        **model_limits(Proposal, "ai_act_answers"),
        help_text='AI Act self-assessment: question key -> "yes" or "no". Keys: '
        + ", ".join(AI_ACT_QUESTIONS)
        + ".",
    )
    requests = ResourceRequestSerializer(many=True, read_only=True)

    class Meta:
        model = Proposal
        fields = [
            "id",
            "reference",
            "status",
            "status_label",
            "version",
            "call",
            "cutoff_at",
            "organisation",
            "pi",
            *EDITABLE_PROPOSAL_FIELDS,
            "requests",
            "created_at",
            "updated_at",
            "last_edited_by",
            "submitted_at",
            "withdrawn_at",
            "withdrawal_reason",
        ]
        read_only_fields = [f for f in fields if f not in EDITABLE_PROPOSAL_FIELDS]


class TimelineEntrySerializer(serializers.Serializer):
    at = UTCDateTimeField(read_only=True)
    text = serializers.CharField(read_only=True)


class ProposalListSerializer(APIModelSerializer):
    """A proposal in a list: what tells proposals apart, and `url` for everything else."""

    url = serializers.HyperlinkedIdentityField(view_name="applications_api:proposal-detail")
    call = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    cutoff_at = UTCDateTimeField(source="cutoff.at", read_only=True)
    organisation = OrganisationRefSerializer(read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Proposal
        fields = [
            "id",
            "url",
            "reference",
            "status",
            "status_label",
            "version",
            "call",
            "cutoff_at",
            "organisation",
            "title",
            "acronym",
            "created_at",
            "updated_at",
            "submitted_at",
        ]
        read_only_fields = fields


class ProposalUpdateSerializer(ProposalSerializer):
    """A partial edit of a draft. `version` is the one the edit is based on (optimistic locking)."""

    version = serializers.IntegerField(
        min_value=1, help_text="The proposal's version when it was loaded; a stale one gets 409."
    )

    def validate(self, attrs):
        # Required even in a PATCH: without it a teammate's newer edit could be overwritten.
        if "version" not in attrs:
            raise serializers.ValidationError({"version": ["This field is required."]})
        return attrs


class ProposalCreateSerializer(serializers.Serializer):
    call = serializers.SlugRelatedField(
        slug_field="slug", queryset=Call.objects.none(), help_text="Slug of a published call."
    )
    organisation = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.none(), help_text="Id of an organisation you are a member of."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        self.fields["call"].queryset = calls_published()
        # Look-ups are scoped to the user's own organisations so another company's id is simply
        # "not found"; whether a member may apply for it is the service's decision.
        user = getattr(request, "user", None)
        self.fields["organisation"].queryset = (
            user.organisations.all()
            if user is not None and user.is_authenticated
            else Organisation.objects.none()
        )


class WithdrawSerializer(serializers.Serializer):
    # Not enforced here: proposal_withdraw refuses an empty reason with its own message.
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Required: why the proposal is withdrawn (the programme office reads it).",
        **model_limits(Proposal, "withdrawal_reason"),
    )


# --- Filters -----------------------------------------------------------------------------------


class ProposalFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ProposalStatus.choices)
    call = django_filters.CharFilter(field_name="call__slug", help_text="Call slug.")

    class Meta:
        model = Proposal
        fields = ["status", "call"]


# --- Views -------------------------------------------------------------------------------------

CONFLICT_RESPONSE = OpenApiResponse(
    response=inline_serializer(
        "EditConflict",
        {
            "detail": serializers.CharField(),
            "current_version": serializers.IntegerField(required=False),
            # Null when the change was made by no known person (e.g. before edits were recorded).
            "changed_by": serializers.CharField(required=False, allow_null=True),
            "changed_at": serializers.DateTimeField(required=False, allow_null=True),
        },
    ),
    description="It changed since `version`; reload it and apply the edit again.",
)
ERROR_RESPONSES = {
    400: OpenApiResponse(description="Field errors, keyed by field name."),
    403: OpenApiResponse(description="Not allowed in the proposal's current state."),
    404: OpenApiResponse(description="No such proposal among yours."),
}


def _proposal_queryset(user):
    return (
        proposals_visible_to(user=user)
        .select_related("call", "cutoff", "organisation", "pi", "last_edited_by")
        .prefetch_related(
            Prefetch(
                "requests",
                queryset=ResourceRequest.objects.select_related(
                    "offered_partition__partition__centre"
                ),
            )
        )
    )


PROPOSAL_ID_PARAMETER = OpenApiParameter(
    "id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Proposal id."
)


@extend_schema_view(
    list=extend_schema(summary="Your proposals", tags=["proposals"]),
    retrieve=extend_schema(
        summary="One of your proposals", tags=["proposals"], parameters=[PROPOSAL_ID_PARAMETER]
    ),
    create=extend_schema(
        summary="Start a draft proposal",
        tags=["proposals"],
        request=ProposalCreateSerializer,
        responses={201: ProposalSerializer, 400: ERROR_RESPONSES[400]},
    ),
    partial_update=extend_schema(
        summary="Edit a draft",
        description="Send only the fields that change, with the `version` you loaded. A "
        "teammate's newer save makes the edit fail with 409, naming who saved and when.",
        tags=["proposals"],
        parameters=[PROPOSAL_ID_PARAMETER],
        request=ProposalUpdateSerializer,
        responses={200: ProposalSerializer, **ERROR_RESPONSES, 409: CONFLICT_RESPONSE},
    ),
)
class ProposalViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Proposals of the organisations you belong to. Someone else's proposal is a 404."""

    serializer_class = ProposalSerializer
    permission_classes = [IsAuthenticated, ProposalPermission]
    filterset_class = ProposalFilter
    pagination_class = RecentFirstPagination
    lookup_value_regex = "[0-9]+"
    # No PUT: an edit names only the fields it changes, with the version it is based on.
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Proposal.objects.none()
        if self.action == "list":
            return proposals_listed_for(user=self.request.user)
        return _proposal_queryset(self.request.user)

    def get_serializer_class(self):
        if self.action == "list":
            return ProposalListSerializer
        if self.action == "create":
            return ProposalCreateSerializer
        if self.action in ("update", "partial_update"):
            return ProposalUpdateSerializer
        if self.action == "withdraw":
            return WithdrawSerializer
        if self.action == "timeline":
            return TimelineEntrySerializer
        return ProposalSerializer

    def _reloaded(self, proposal: Proposal) -> dict:
        fresh = _proposal_queryset(self.request.user).get(pk=proposal.pk)
        return ProposalSerializer(fresh, context=self.get_serializer_context()).data

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            proposal = proposal_create(
                call=serializer.validated_data["call"],
                organisation=serializer.validated_data["organisation"],
                by=request.user,
            )
        return Response(self._reloaded(proposal), status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        proposal = self.get_object()
        serializer = ProposalUpdateSerializer(
            proposal, data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        expected_version = data.pop("version")
        with service_errors():
            proposal = proposal_update(
                proposal=proposal, by=request.user, data=data, expected_version=expected_version
            )
        return Response(self._reloaded(proposal))

    @extend_schema(
        summary="Submit a draft",
        description="Locks the proposal and gives it a reference number. Refused after the "
        "cut-off, or while a section or request is incomplete (400 with the reasons).",
        tags=["proposals"],
        operation_id="proposals_submit",
        parameters=[PROPOSAL_ID_PARAMETER],
        request=None,
        responses={200: ProposalSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        proposal = self.get_object()
        with service_errors():
            proposal = proposal_submit(proposal=proposal, by=request.user)
        return Response(self._reloaded(proposal))

    @extend_schema(
        summary="Withdraw a proposal",
        description="Possible until a decision is made; the reason is required.",
        tags=["proposals"],
        operation_id="proposals_withdraw",
        parameters=[PROPOSAL_ID_PARAMETER],
        request=WithdrawSerializer,
        responses={200: ProposalSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        proposal = self.get_object()
        serializer = WithdrawSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            proposal = proposal_withdraw(
                proposal=proposal, by=request.user, reason=serializer.validated_data["reason"]
            )
        return Response(self._reloaded(proposal))

    @extend_schema(
        summary="History of a proposal",
        description="Newest first. Its team reads the timeline meant for applicants; staff who "
        "may see the proposal read its audit trail, downloads and evaluation work included.",
        tags=["proposals"],
        operation_id="proposals_timeline",
        parameters=[PROPOSAL_ID_PARAMETER],
        responses={200: TimelineEntrySerializer(many=True), 404: ERROR_RESPONSES[404]},
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def timeline(self, request, pk=None):
        proposal = self.get_object()
        entries = proposal_history_for(proposal=proposal, user=request.user)
        return Response(TimelineEntrySerializer(entries, many=True).data)


PROPOSAL_PATH_PARAMETER = OpenApiParameter(
    "proposal_pk", OpenApiTypes.INT, OpenApiParameter.PATH, description="Proposal id."
)
REQUEST_PATH_PARAMETER = OpenApiParameter(
    "id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Resource request id."
)


@extend_schema_view(
    list=extend_schema(summary="Resource requests of a proposal", tags=["resource requests"]),
    retrieve=extend_schema(
        summary="One resource request",
        tags=["resource requests"],
        parameters=[REQUEST_PATH_PARAMETER],
    ),
    create=extend_schema(
        summary="Add a resource request to a draft",
        tags=["resource requests"],
        responses={201: ResourceRequestSerializer, **ERROR_RESPONSES},
    ),
    update=extend_schema(
        summary="Replace a resource request of a draft",
        tags=["resource requests"],
        parameters=[REQUEST_PATH_PARAMETER],
        responses={200: ResourceRequestSerializer, **ERROR_RESPONSES, 409: CONFLICT_RESPONSE},
    ),
    partial_update=extend_schema(
        summary="Change a resource request of a draft",
        tags=["resource requests"],
        parameters=[REQUEST_PATH_PARAMETER],
        responses={200: ResourceRequestSerializer, **ERROR_RESPONSES, 409: CONFLICT_RESPONSE},
    ),
    destroy=extend_schema(
        summary="Remove a resource request from a draft",
        tags=["resource requests"],
        parameters=[REQUEST_PATH_PARAMETER],
        responses={204: None, 403: ERROR_RESPONSES[403], 404: ERROR_RESPONSES[404]},
    ),
)
@extend_schema(parameters=[PROPOSAL_PATH_PARAMETER])
class ResourceRequestViewSet(viewsets.ModelViewSet):
    """Hours asked for on the call's partitions, nested under one of your proposals."""

    serializer_class = ResourceRequestSerializer
    permission_classes = [IsAuthenticated]
    pagination_class = None  # a proposal has a handful of requests, one per offered partition
    filter_backends: list = []
    lookup_value_regex = "[0-9]+"

    def get_proposal(self) -> Proposal:
        if not hasattr(self, "_proposal"):
            proposal = get_object_or_404(
                proposals_visible_to(user=self.request.user).select_related("call"),
                pk=self.kwargs["proposal_pk"],
            )
            reason = proposal_permission_check(self.request, proposal, None)
            if reason is not None:
                raise PermissionDenied(reason)
            self._proposal = proposal
        return self._proposal

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return ResourceRequest.objects.none()
        return ResourceRequest.objects.filter(proposal=self.get_proposal()).select_related(
            "offered_partition__partition__centre"
        )

    def _save(self, serializer, instance: ResourceRequest | None) -> ResourceRequest:
        values = dict(serializer.validated_data)
        if instance is not None:  # a PATCH names only what changes
            for name in (
                "offered_partition",
                "hours",
                "job_size",
                "storage_tb",
                "duration_months",
                "justification",
                "estimator_inputs",
            ):
                values.setdefault(name, getattr(instance, name))
        with service_errors():
            return resource_request_save(
                proposal=self.get_proposal(),
                by=self.request.user,
                offered_partition=values["offered_partition"],
                hours=values["hours"],
                job_size=values["job_size"],
                storage_tb=values.get("storage_tb", 0),
                duration_months=values["duration_months"],
                justification=values.get("justification", ""),
                estimator_inputs=values.get("estimator_inputs"),
                resource_request=instance,
                expected_version=values.get("version") if instance is not None else None,
            )

    def _respond(self, resource_request: ResourceRequest, code: int) -> Response:
        fresh = self.get_queryset().get(pk=resource_request.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    def create(self, request, *args, **kwargs):
        self.get_proposal()  # 404/403 before looking at the input
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._respond(self._save(serializer, None), status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        instance = self.get_object()
        serializer = self.get_serializer(
            instance, data=request.data, partial=kwargs.get("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        return self._respond(self._save(serializer, instance), status.HTTP_200_OK)

    def destroy(self, request, *args, **kwargs):
        instance = self.get_object()
        with service_errors():
            resource_request_delete(
                proposal=self.get_proposal(), by=request.user, resource_request=instance
            )
        return Response(status=status.HTTP_204_NO_CONTENT)
