"""API of the programme officer's workspace: per call and cut-off, what waits on whom (the page's
counters, from reviews.selectors.workspace). Programme officers only: anyone else gets a 403."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from applications.api.fields import UTCDateTimeField
from applications.modes import AccessMode
from applications.working_days import working_calendar
from reviews.selectors.workspace import officer_workspace

PERM = "reviews.view_officer_workspace"


class CentreWorkSerializer(serializers.Serializer):
    centre = serializers.CharField(source="name")
    waiting = serializers.IntegerField(help_text="Proposals waiting for this centre's assessment.")
    overdue = serializers.IntegerField(help_text="Of those, with the centre's assessment overdue.")


class CutOffWorkSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="cutoff.pk")
    at = UTCDateTimeField(source="cutoff.at")
    is_past = serializers.BooleanField()
    submitted = serializers.IntegerField(source="listed")
    eligibility = serializers.IntegerField(help_text="Eligibility to check.")
    assessment = serializers.IntegerField(help_text="Technical assessment under way, none overdue.")
    assessment_overdue = serializers.IntegerField(
        source="overdue", help_text="Technical assessment with one overdue."
    )
    reviews = serializers.IntegerField(
        help_text="Peer review: every assessment in, reviews still owed or no reviewer yet."
    )
    reply = serializers.IntegerField(help_text="Right of reply open, the reply not submitted.")
    panel = serializers.IntegerField(help_text="In panel, or the reply in and the panel next.")
    decision = serializers.IntegerField(
        help_text="Every assessment (and peer review) in; decision due."
    )
    decided = serializers.IntegerField()
    decided_within_promise = serializers.IntegerField(source="time_to_access.decided_in_time")
    decided_outside_promise = serializers.IntegerField(source="time_to_access.decided_late")
    time_to_access_overdue = serializers.IntegerField(
        source="time_to_access.overdue", help_text="Not decided, past the promised time."
    )
    waitlisted = serializers.IntegerField()
    centres = CentreWorkSerializer(many=True)


class CallWorkSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="call.pk")
    title = serializers.CharField(source="call.title")
    mode = serializers.ChoiceField(source="call.mode", choices=AccessMode.choices)
    cutoffs = CutOffWorkSerializer(many=True)


class WorkspaceSerializer(serializers.Serializer):
    calls = CallWorkSerializer(many=True)


class OfficerWorkspaceView(APIView):
    @extend_schema(
        summary="What waits on whom, per call and cut-off (programme officers)",
        description="The workspace's counters for each call's current and recent cut-offs (and "
        "older ones where something still waits). List a counter's proposals with "
        "`/api/v1/cutoffs/{id}/proposals/?waiting_on=...`.",
        tags=["workspace"],
        responses={
            200: WorkspaceSerializer,
            403: OpenApiResponse(description="Not a programme officer."),
        },
    )
    def get(self, request):
        if not request.user.has_perm(PERM):
            raise PermissionDenied("Only programme officers have a workspace.")
        calls = officer_workspace(now=timezone.now(), calendar=working_calendar())
        return Response(WorkspaceSerializer({"calls": calls}).data)
