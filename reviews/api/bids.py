"""API of a reviewer's bids, with the page's service and rules: list them, set or withdraw one.
A proposal the reviewer may not bid on (outside their pools, not submitted, conflicted) is a 404,
like one that does not exist: the API says nothing of it."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from applications.api.errors import field_errors
from applications.api.fields import UTCDateTimeField
from applications.models import Proposal
from reviews.models import BidLevel
from reviews.selectors.bids import bids_of
from reviews.services.bids import bid_set

ID_MAX = 2**31 - 1


class BidSerializer(serializers.Serializer):
    proposal = serializers.IntegerField(
        source="proposal_id",
        min_value=1,
        max_value=ID_MAX,
        help_text="A submitted proposal of a call whose terms you accepted, with no conflict.",
    )
    cutoff = serializers.IntegerField(source="proposal.cutoff_id", read_only=True)
    level = serializers.ChoiceField(
        choices=BidLevel.choices,
        allow_null=True,
        help_text="Null withdraws your bid on the proposal.",
    )
    updated_at = UTCDateTimeField(read_only=True)


class ReviewerBidsView(APIView):
    @extend_schema(
        summary="Your bids on proposals (reviewers)",
        tags=["reviewer"],
        responses={
            200: BidSerializer(many=True),
            404: OpenApiResponse(description="Not a reviewer."),
        },
    )
    def get(self, request):
        if not request.user.has_perm("reviews.view_reviewer_home"):
            raise Http404
        return Response(BidSerializer(bids_of(reviewer=request.user), many=True).data)

    @extend_schema(
        summary="Bid on a proposal, or withdraw your bid (reviewers)",
        description="Eager, willing or rather not; the automatic assignment prefers eager, then "
        "willing, and avoids rather not. A conflicted proposal cannot be bid on.",
        tags=["reviewer"],
        request=BidSerializer,
        responses={
            200: BidSerializer,
            204: OpenApiResponse(description="The bid is withdrawn."),
            400: OpenApiResponse(description="Field errors."),
            404: OpenApiResponse(
                description="Not a reviewer, or no such proposal open to you for bidding."
            ),
        },
    )
    def post(self, request):
        if not request.user.has_perm("reviews.view_reviewer_home"):
            raise Http404
        serializer = BidSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        proposal = Proposal.objects.filter(pk=data["proposal_id"]).first()
        if proposal is None:
            raise Http404
        try:
            bid = bid_set(reviewer=request.user, proposal=proposal, level=data["level"])
        except DjangoPermissionDenied as exc:
            raise Http404 from exc
        except DjangoValidationError as exc:
            return Response(field_errors(exc), status=status.HTTP_400_BAD_REQUEST)
        if bid is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(BidSerializer(bid).data)
