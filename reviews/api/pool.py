"""API of the reviewer pool and of conflicts of interest, with the pages' services and rules.

Reviewers: their pools and pending invitations; the conflicts they declared (list, declare).
Programme officers: a call's pool; a cut-off's detected conflicts (list, confirm or dismiss with
a reason). Anyone else gets a 404 (a superuser included): the API says nothing of who reviews."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from applications.api.errors import field_errors
from applications.api.fields import UTCDateTimeField
from applications.models import Call, CutOff, Proposal
from portal.models import Organisation
from reviews.api.parameters import path_id
from reviews.models import ConflictType, DetectedConflict, PoolInvitation
from reviews.models.conflicts import NOTE_MAX_CHARS
from reviews.selectors import conflicts as conflict_selectors
from reviews.selectors import pool as pool_selectors
from reviews.services import conflicts as conflict_services

ID_MAX = 2**31 - 1


def _require(request, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise Http404


class PoolSerializer(serializers.Serializer):
    call = serializers.IntegerField(source="call_id")
    call_title = serializers.CharField(source="call.title")
    joined_at = UTCDateTimeField()
    terms_accepted_at = UTCDateTimeField(
        allow_null=True, help_text="Null: the terms are still to accept (on the page)."
    )


class InvitationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    call = serializers.IntegerField(source="call_id")
    call_title = serializers.CharField(source="call.title")
    email = serializers.EmailField()


class ReviewerPoolsSerializer(serializers.Serializer):
    pools = PoolSerializer(many=True)
    invitations = InvitationSerializer(many=True, help_text="Invitations waiting for an answer.")


class ReviewerPoolsView(APIView):
    @extend_schema(
        summary="Your reviewer pools and pending invitations (reviewers)",
        tags=["reviewer"],
        responses={
            200: ReviewerPoolsSerializer,
            404: OpenApiResponse(description="Not a reviewer."),
        },
    )
    def get(self, request):
        _require(request, "reviews.view_reviewer_home")
        body = {
            "pools": pool_selectors.reviewer_pools(user=request.user),
            "invitations": pool_selectors.pending_pool_invitations(user=request.user),
        }
        return Response(ReviewerPoolsSerializer(body).data)


class DeclaredConflictSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    organisation = serializers.IntegerField(
        source="organisation_id",
        required=False,
        allow_null=True,
        min_value=1,
        max_value=ID_MAX,
        help_text="An organisation applying to a call you review for; or give `proposal`.",
    )
    proposal = serializers.IntegerField(
        source="proposal_id",
        required=False,
        allow_null=True,
        min_value=1,
        max_value=ID_MAX,
        help_text="A proposal you may check for conflicts; or give `organisation`.",
    )
    type = serializers.ChoiceField(choices=ConflictType.choices)
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=NOTE_MAX_CHARS, default=""
    )
    declared_at = UTCDateTimeField(read_only=True)

    def validate(self, attrs):
        if bool(attrs.get("organisation_id")) == bool(attrs.get("proposal_id")):
            raise serializers.ValidationError("Give either an organisation or a proposal.")
        return attrs


class ReviewerConflictsView(APIView):
    @extend_schema(
        summary="The conflicts of interest you declared (reviewers)",
        tags=["reviewer"],
        responses={
            200: DeclaredConflictSerializer(many=True),
            404: OpenApiResponse(description="Not a reviewer."),
        },
    )
    def get(self, request):
        _require(request, "reviews.declare_conflict")
        rows = conflict_selectors.declared_conflicts_of(reviewer=request.user)
        return Response(DeclaredConflictSerializer(rows, many=True).data)

    @extend_schema(
        summary="Declare a conflict of interest (reviewers)",
        description="With an organisation applying to a call you review for, or with a "
        "proposal you may check; its proposals are then never assigned or shown to you.",
        tags=["reviewer"],
        request=DeclaredConflictSerializer,
        responses={
            201: DeclaredConflictSerializer,
            400: OpenApiResponse(description="Field errors, or already declared."),
            404: OpenApiResponse(
                description="Not a reviewer, or no such organisation or proposal for you."
            ),
        },
    )
    def post(self, request):
        _require(request, "reviews.declare_conflict")
        serializer = DeclaredConflictSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        organisation = proposal = None
        if data.get("organisation_id"):
            organisation = Organisation.objects.filter(pk=data["organisation_id"]).first()
            if organisation is None:
                raise Http404
        else:
            proposal = Proposal.objects.filter(pk=data["proposal_id"]).first()
            if proposal is None:
                raise Http404
        try:
            conflict = conflict_services.conflict_declare(
                reviewer=request.user,
                organisation=organisation,
                proposal=proposal,
                type=data["type"],
                note=data.get("note", ""),
            )
        except DjangoPermissionDenied as exc:
            raise Http404 from exc
        except DjangoValidationError as exc:
            return Response(field_errors(exc), status=status.HTTP_400_BAD_REQUEST)
        return Response(DeclaredConflictSerializer(conflict).data, status=status.HTTP_201_CREATED)


class PoolMemberSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    status = serializers.ChoiceField(choices=PoolInvitation.Status.choices)
    reviewer = serializers.CharField(
        source="user.display_name", allow_null=True, default=None, help_text="Who answered."
    )
    answered_at = UTCDateTimeField(allow_null=True)
    terms_accepted_at = serializers.SerializerMethodField()

    def get_terms_accepted_at(self, invitation) -> str | None:
        membership = getattr(invitation, "membership", None)
        if membership is None or membership.terms_accepted_at is None:
            return None
        return UTCDateTimeField().to_representation(membership.terms_accepted_at)


class CallPoolView(APIView):
    @extend_schema(
        summary="A call's reviewer pool: invited, accepted, declined, removed (programme officers)",
        tags=["evaluation"],
        parameters=[path_id("Call id.")],
        responses={
            200: PoolMemberSerializer(many=True),
            404: OpenApiResponse(description="No such call for a programme officer."),
        },
    )
    def get(self, request, id: int):
        _require(request, "reviews.manage_reviewer_pool")
        call = get_object_or_404(Call, pk=id)
        return Response(PoolMemberSerializer(pool_selectors.call_pool(call=call), many=True).data)


class DetectedConflictSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    proposal = serializers.IntegerField(source="proposal_id")
    proposal_reference = serializers.CharField(source="proposal.reference", allow_null=True)
    organisation = serializers.CharField(source="proposal.organisation.legal_name")
    reviewer = serializers.IntegerField(source="reviewer_id")
    reviewer_name = serializers.CharField(source="reviewer.display_name")
    rule = serializers.ChoiceField(choices=DetectedConflict._meta.get_field("rule").choices)
    fact = serializers.CharField(help_text="What triggered the detection.")
    status = serializers.ChoiceField(choices=DetectedConflict.Status.choices)
    is_current = serializers.BooleanField(help_text="Found by the last detection run.")
    detected_at = UTCDateTimeField()
    decided_at = UTCDateTimeField(allow_null=True)
    decided_by = serializers.CharField(
        source="decided_by.display_name", allow_null=True, default=None
    )
    reason = serializers.CharField()


class CutOffConflictsView(APIView):
    @extend_schema(
        summary="A cut-off's detected conflicts of interest (programme officers)",
        description="Run the detection on the cut-off's conflicts page; this lists its result "
        "with the officers' decisions.",
        tags=["evaluation"],
        parameters=[path_id("Cut-off id.")],
        responses={
            200: DetectedConflictSerializer(many=True),
            404: OpenApiResponse(description="No such cut-off for a programme officer."),
        },
    )
    def get(self, request, id: int):
        _require(request, "reviews.decide_conflict")
        cutoff = get_object_or_404(CutOff, pk=id)
        rows = conflict_selectors.detected_conflicts_for_officer(cutoff=cutoff)
        return Response(DetectedConflictSerializer(rows, many=True).data)


class ConflictDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["confirm", "dismiss"])
    reason = serializers.CharField(max_length=5_000, help_text="Why, for the record.")


class ConflictDecisionView(APIView):
    @extend_schema(
        summary="Confirm (pin) or dismiss a detected conflict (programme officers)",
        tags=["evaluation"],
        parameters=[path_id("Detected conflict id.")],
        request=ConflictDecisionSerializer,
        responses={
            200: DetectedConflictSerializer,
            400: OpenApiResponse(description="Field errors."),
            404: OpenApiResponse(description="No such conflict for a programme officer."),
        },
    )
    def post(self, request, id: int):
        _require(request, "reviews.decide_conflict")
        conflict = get_object_or_404(DetectedConflict, pk=id)
        serializer = ConflictDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            conflict_services.detected_conflict_decide(
                conflict=conflict,
                by=request.user,
                confirm=serializer.validated_data["decision"] == "confirm",
                reason=serializer.validated_data["reason"],
            )
        except DjangoValidationError as exc:
            return Response(field_errors(exc), status=status.HTTP_400_BAD_REQUEST)
        row = conflict_selectors.detected_conflicts_for_officer(cutoff=conflict.cutoff_id).get(
            pk=conflict.pk
        )
        return Response(DetectedConflictSerializer(row).data)
