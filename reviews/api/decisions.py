"""API: a programme officer decides a first-come-first-served proposal (award within capacity,
waitlist, reject), with the same service and rules as the page. Anyone else learns nothing of
the proposal (404)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.views import APIView

from applications.api.errors import field_errors
from applications.api.proposals import PROPOSAL_ID_PARAMETER
from reviews.selectors.decisions import proposal_for_decision
from reviews.services import decisions as services

MAX_HOURS = 10**services.HOURS_MAX_DIGITS - 1
MAX_REQUESTS = 50  # far more requests than a proposal has
REQUEST_ID_MAX_CHARS = 10
NOT_ENOUGH_HOURS = "not_enough_hours"


class NotEnoughHours(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = NOT_ENOUGH_HOURS

    def __init__(self, message: str):
        super().__init__()
        self.detail = {"detail": message, "code": NOT_ENOUGH_HOURS}


def _request_ids(value: dict) -> dict:
    if len(value) > MAX_REQUESTS:
        raise serializers.ValidationError(f"At most {MAX_REQUESTS} requests.")
    for key in value:
        if not (str(key).isdigit() and len(str(key)) <= REQUEST_ID_MAX_CHARS):
            raise serializers.ValidationError(f"{str(key)[:20]!r} is not a request id.")
    return {int(key): v for key, v in value.items()}


class DecisionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["award", "waitlist", "reject"])
    hours = serializers.DictField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_HOURS),
        required=False,
        help_text="Award only: whole hours per resource request id (at most the request, at "
        "most the centre's recommendation unless overridden, at most the pool's free hours). "
        "A request left out gets nothing.",
    )
    overrides = serializers.DictField(
        child=serializers.CharField(max_length=services.REASON_MAX_CHARS),
        required=False,
        help_text="Award only: per request id, why it gets more than the centre recommends "
        "(kept for the staff).",
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=services.REASON_MAX_CHARS,
        help_text="What the applicant reads: required to reject, optional to waitlist.",
    )

    def validate_hours(self, value):
        return _request_ids(value)

    def validate_overrides(self, value):
        return _request_ids(value)


class ReservationSerializer(serializers.Serializer):
    reference = serializers.CharField()
    pool = serializers.IntegerField(source="pool_id")
    hours = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=False)


class DecisionResultSerializer(serializers.Serializer):
    proposal = serializers.IntegerField()
    status = serializers.CharField()
    reserved = ReservationSerializer(many=True)


def _api_errors(exc: DjangoValidationError) -> dict:
    """The service's `hours_<id>` / `override_<id>` errors as `hours` / `overrides` keyed by
    request id; the others as they are."""
    errors: dict = {}
    for name, messages in field_errors(exc).items():
        prefix, _, pk = name.partition("_")
        if prefix in ("hours", "override") and pk.isdigit():
            key = "hours" if prefix == "hours" else "overrides"
            errors.setdefault(key, {})[pk] = messages
        else:
            errors[name] = messages
    return errors


def _codes(exc: DjangoValidationError) -> set[str]:
    return {error.code for error in exc.error_list} if not hasattr(exc, "error_dict") else set()


class ProposalDecisionView(APIView):
    @extend_schema(
        summary="Decide a first-come-first-served proposal (programme officers)",
        description="Award (hours per request, reserved in the cut-off's pools in one "
        "transaction: when one request does not fit, nothing is reserved), waitlist or reject "
        "(with the reason the applicant reads). The decision mail waits, held, for the officer "
        "to release it.",
        tags=["evaluation"],
        operation_id="proposals_decision",
        parameters=[PROPOSAL_ID_PARAMETER],
        request=DecisionSerializer,
        responses={
            200: DecisionResultSerializer,
            400: OpenApiResponse(description="Field errors, or the state allows no decision."),
            404: OpenApiResponse(description="No such proposal for a programme officer."),
            409: OpenApiResponse(
                description='Not enough hours left in a pool (code "not_enough_hours"); '
                "nothing was reserved."
            ),
        },
    )
    def post(self, request, id: int):
        if not request.user.has_perm(services.PERM):
            raise Http404
        proposal = proposal_for_decision(pk=id)
        if proposal is None:
            raise Http404
        serializer = DecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        reserved = []
        try:
            if data["action"] == "award":
                reserved = services.proposal_award(
                    proposal=proposal,
                    by=request.user,
                    hours=data.get("hours", {}),
                    overrides=data.get("overrides", {}),
                )
            elif data["action"] == "waitlist":
                services.proposal_waitlist(
                    proposal=proposal, by=request.user, reason=data.get("reason", "")
                )
            else:
                services.proposal_reject(
                    proposal=proposal, by=request.user, reason=data.get("reason", "")
                )
        except DjangoValidationError as exc:
            if NOT_ENOUGH_HOURS in _codes(exc):
                raise NotEnoughHours(" ".join(exc.messages)) from exc
            raise serializers.ValidationError(_api_errors(exc)) from exc
        proposal.refresh_from_db(fields=["status"])
        body = {"proposal": proposal.pk, "status": proposal.status, "reserved": reserved}
        return Response(DecisionResultSerializer(body).data)
