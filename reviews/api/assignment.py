"""API of reviewer assignment, with the pages' services and rules. Reviewers: their assignments.
Programme officers: a cut-off's automatic assignment runs (run one, read the latest preview as
saved, apply one). Anyone else gets a 404 (a superuser included)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from applications.api.errors import field_errors
from applications.api.fields import UTCDateTimeField
from applications.models import CutOff
from reviews.api.parameters import path_id
from reviews.models import AssignmentRun, ReviewAssignment
from reviews.selectors.bids import assignments_of
from reviews.services import assignment as services


class ReviewerAssignmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    proposal = serializers.IntegerField(source="proposal_id")
    title = serializers.CharField(source="proposal.title")
    organisation = serializers.CharField(source="proposal.organisation.legal_name")
    status = serializers.ChoiceField(choices=ReviewAssignment.Status.choices)


class ReviewerAssignmentsView(APIView):
    @extend_schema(
        summary="The proposals assigned to you, declined ones aside (reviewers)",
        tags=["reviewer"],
        responses={
            200: ReviewerAssignmentSerializer(many=True),
            404: OpenApiResponse(description="Not a reviewer."),
        },
    )
    def get(self, request):
        if not request.user.has_perm("reviews.view_reviewer_home"):
            raise Http404
        rows = assignments_of(reviewer=request.user)
        return Response(ReviewerAssignmentSerializer(rows, many=True).data)


class RunRequestSerializer(serializers.Serializer):
    fill_gaps_only = serializers.BooleanField(default=False)
    strict = serializers.BooleanField(default=False)


class AssignmentRunSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    cutoff = serializers.IntegerField(source="cutoff_id")
    fill_gaps_only = serializers.BooleanField()
    strict = serializers.BooleanField()
    status = serializers.CharField(help_text="complete, short or infeasible.")
    objective = serializers.IntegerField(allow_null=True)
    created_at = UTCDateTimeField()
    applied_at = UTCDateTimeField(allow_null=True)
    result = serializers.JSONField(
        help_text="Per proposal its reviewers (user ids) and why, loads, shortfalls with their "
        "reasons, dropped assignments and causes."
    )


class CutOffAssignmentRunsView(APIView):
    def _cutoff(self, request, id: int) -> CutOff:
        if not request.user.has_perm("reviews.assign_reviewers"):
            raise Http404
        return get_object_or_404(CutOff, pk=id)

    @extend_schema(
        summary="A cut-off's latest automatic assignment run (programme officers)",
        tags=["evaluation"],
        parameters=[path_id("Cut-off id.")],
        responses={
            200: AssignmentRunSerializer,
            404: OpenApiResponse(description="No such cut-off, no run yet, or not an officer."),
        },
    )
    def get(self, request, id: int):
        cutoff = self._cutoff(request, id)
        run = AssignmentRun.objects.filter(cutoff=cutoff).order_by("-created_at", "-pk").first()
        if run is None:
            raise Http404
        return Response(AssignmentRunSerializer(run).data)

    @extend_schema(
        summary="Run the automatic assignment of a cut-off, for preview (programme officers)",
        description="Nothing is assigned until the run is applied.",
        tags=["evaluation"],
        parameters=[path_id("Cut-off id.")],
        request=RunRequestSerializer,
        responses={
            201: AssignmentRunSerializer,
            400: OpenApiResponse(description="Field errors."),
            404: OpenApiResponse(description="No such cut-off for a programme officer."),
        },
    )
    def post(self, request, id: int):
        cutoff = self._cutoff(request, id)
        serializer = RunRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        run = services.assignment_run_create(
            cutoff=cutoff, by=request.user, **serializer.validated_data
        )
        return Response(AssignmentRunSerializer(run).data, status=status.HTTP_201_CREATED)


class AssignmentRunApplyView(APIView):
    @extend_schema(
        summary="Apply an automatic assignment run, all or nothing (programme officers)",
        description="Refused (400) when the run is infeasible, already applied, or stale: the "
        "cut-off's assignments, conflicts or pool changed since it was computed.",
        tags=["evaluation"],
        parameters=[path_id("Assignment run id.")],
        request=None,
        responses={
            200: AssignmentRunSerializer,
            400: OpenApiResponse(description="Infeasible, already applied, or stale."),
            404: OpenApiResponse(description="No such run for a programme officer."),
        },
    )
    def post(self, request, id: int):
        if not request.user.has_perm("reviews.assign_reviewers"):
            raise Http404
        run = get_object_or_404(AssignmentRun, pk=id)
        try:
            services.assignment_run_apply(run=run, by=request.user)
        except DjangoValidationError as exc:
            return Response(field_errors(exc), status=status.HTTP_400_BAD_REQUEST)
        run.refresh_from_db()
        return Response(AssignmentRunSerializer(run).data)
