"""API: the panel ranking of a cut-off (programme officers; the call's panel reviewers without
the rows they are conflicted with) and its funding line, previewed and applied (programme
officers), with the same selectors, services and rules as the pages. Anyone else learns nothing
of the cut-off (404)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from applications.api.errors import field_errors
from applications.api.fields import UTCDateTimeField
from reviews.api.parameters import path_id
from reviews.selectors import ranking as selectors
from reviews.services import funding_line as funding
from reviews.services import ranking as services


class CriterionFigureSerializer(serializers.Serializer):
    criterion = serializers.IntegerField(source="criterion.pk")
    name = serializers.CharField(source="criterion.name")
    mean = serializers.DecimalField(
        max_digits=8, decimal_places=3, allow_null=True, coerce_to_string=False
    )
    spread = serializers.IntegerField(allow_null=True)
    disagreement = serializers.BooleanField()
    threshold = serializers.DecimalField(
        source="criterion.threshold",
        max_digits=4,
        decimal_places=1,
        allow_null=True,
        coerce_to_string=False,
    )
    passed = serializers.BooleanField(allow_null=True)


class RequestFigureSerializer(serializers.Serializer):
    request = serializers.IntegerField(source="request_id")
    partition = serializers.CharField()
    unit = serializers.CharField()
    pool = serializers.IntegerField(source="pool_id", allow_null=True)
    requested = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=False)
    recommended = serializers.DecimalField(
        max_digits=14, decimal_places=2, allow_null=True, coerce_to_string=False
    )


class PoolTotalSerializer(serializers.Serializer):
    pool = serializers.IntegerField()
    running_total = serializers.DecimalField(
        max_digits=16, decimal_places=2, allow_null=True, coerce_to_string=False
    )


class PanelNoteSerializer(serializers.Serializer):
    text = serializers.CharField()
    created_at = UTCDateTimeField()


class RankingRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    proposal = serializers.IntegerField(source="proposal.pk")
    reference = serializers.CharField(source="proposal.reference")
    title = serializers.CharField(source="proposal.title")
    organisation = serializers.CharField(source="proposal.organisation_name")
    status = serializers.CharField(source="proposal.status")
    weighted_score = serializers.DecimalField(
        max_digits=10, decimal_places=3, allow_null=True, coerce_to_string=False
    )
    criteria = CriterionFigureSerializer(many=True)
    disagreement = serializers.BooleanField()
    failed_threshold = serializers.BooleanField()
    reviews_submitted = serializers.IntegerField()
    reviews_assigned = serializers.IntegerField()
    requests = RequestFigureSerializer(many=True)
    running_totals = serializers.SerializerMethodField()
    funding_line = serializers.SerializerMethodField(
        help_text="award (above every line it draws from), waitlist or reject; null once decided."
    )
    notes = PanelNoteSerializer(many=True)

    def get_running_totals(self, row) -> list[dict]:
        return PoolTotalSerializer(
            [
                {"pool": pool.pool_id, "running_total": total}
                for pool, total in row.pool_cells
                if total is not None
            ],
            many=True,
        ).data

    def get_funding_line(self, row) -> str | None:
        return row.planned.outcome if row.planned is not None else None


class PoolLineSerializer(serializers.Serializer):
    pool = serializers.IntegerField(source="pool_id")
    label = serializers.CharField()
    unit = serializers.CharField()
    free = serializers.DecimalField(max_digits=16, decimal_places=2, coerce_to_string=False)
    awarded = serializers.DecimalField(max_digits=16, decimal_places=2, coerce_to_string=False)
    remaining = serializers.DecimalField(max_digits=16, decimal_places=2, coerce_to_string=False)
    ran_out_at = serializers.IntegerField(
        allow_null=True, help_text="The proposal the line is drawn above; null: no shortfall."
    )


class RankingSerializer(serializers.Serializer):
    cutoff = serializers.IntegerField(source="cutoff.pk")
    frozen_at = UTCDateTimeField(source="ranking.frozen_at", allow_null=True, default=None)
    version = serializers.SerializerMethodField()
    hidden = serializers.IntegerField(help_text="Rows left out: conflicts of the reader.")
    pools = PoolLineSerializer(source="plan.pools", many=True)
    rows = RankingRowSerializer(many=True)

    def get_version(self, table) -> int | None:
        return table.versions[0].number if table.versions else None


class FundingLineRequestSerializer(serializers.Serializer):
    waitlist_size = serializers.IntegerField(min_value=0, max_value=funding.WAITLIST_MAX)
    with_review_comments = serializers.BooleanField(
        default=True,
        help_text="Apply only: rejection and waiting-list mails carry the reviewers' comments "
        "to the applicant, anonymised as Reviewer 1, 2, 3.",
    )


class PlannedDecisionSerializer(serializers.Serializer):
    proposal = serializers.IntegerField(source="proposal_id")
    outcome = serializers.CharField()
    hours = serializers.DictField(
        child=serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=False)
    )
    reason = serializers.CharField()


class FundingPlanSerializer(serializers.Serializer):
    decisions = PlannedDecisionSerializer(many=True)
    pools = PoolLineSerializer(many=True)
    not_in_panel = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="Ranked proposals still under review or reply: applying is refused.",
    )


def _cutoff(request, id: int):
    cutoff = selectors.cutoff_for_ranking(pk=id)
    if cutoff is None or not request.user.has_perm("reviews.view_panel_ranking", cutoff):
        raise Http404
    return cutoff


def _officer_cutoff(request, id: int):
    cutoff = _cutoff(request, id)
    if not request.user.has_perm(funding.PERM):
        raise Http404
    return cutoff


def _plan_body(plan, not_in_panel) -> dict:
    body = FundingPlanSerializer(
        {"decisions": plan.decisions, "pools": plan.pools, "not_in_panel": []}
    ).data
    body["not_in_panel"] = [p.pk for p in not_in_panel]
    return body


class CutOffRankingView(APIView):
    @extend_schema(
        summary="The panel ranking of a cut-off",
        description="Programme officers read every row; the call's panel reviewers (terms "
        "accepted) read it without the rows of proposals they are conflicted with, and "
        "without their notes and scores.",
        tags=["evaluation"],
        parameters=[path_id("Cut-off id.")],
        responses={
            200: RankingSerializer,
            404: OpenApiResponse(description="No such peer-reviewed cut-off for this user."),
        },
    )
    def get(self, request, id: int):
        cutoff = _cutoff(request, id)
        officer = request.user.has_perm(services.PERM)
        table = selectors.ranking_table(
            cutoff=cutoff, hidden_from=None if officer else request.user
        )
        return Response(RankingSerializer(table).data)


class FundingLinePreviewView(APIView):
    @extend_schema(
        summary="Preview the funding line of a closed panel (programme officers)",
        tags=["evaluation"],
        parameters=[path_id("Cut-off id.")],
        request=FundingLineRequestSerializer,
        responses={
            200: FundingPlanSerializer,
            400: OpenApiResponse(description="Field errors; the panel is open; already applied."),
            404: OpenApiResponse(description="No such peer-reviewed cut-off for an officer."),
        },
    )
    def post(self, request, id: int):
        cutoff = _officer_cutoff(request, id)
        serializer = FundingLineRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            preview = funding.funding_line_preview(
                cutoff=cutoff,
                waitlist_size=serializer.validated_data["waitlist_size"],
                by=request.user,
            )
        except DjangoValidationError as exc:
            return Response(field_errors(exc), status=status.HTTP_400_BAD_REQUEST)
        except PermissionDenied as exc:
            raise Http404 from exc
        return Response(_plan_body(preview.plan, preview.not_in_panel))


class FundingLineApplyView(APIView):
    @extend_schema(
        summary="Apply the funding line of a closed panel (programme officers)",
        description="Awards, waitlists and rejects in the frozen ranking's order in one "
        "transaction, once per cut-off; the decision mails wait, held, for release.",
        tags=["evaluation"],
        parameters=[path_id("Cut-off id.")],
        request=FundingLineRequestSerializer,
        responses={
            201: FundingPlanSerializer,
            400: OpenApiResponse(
                description="Field errors; the panel is open; a proposal is not in the panel; "
                "already applied."
            ),
            404: OpenApiResponse(description="No such peer-reviewed cut-off for an officer."),
        },
    )
    def post(self, request, id: int):
        cutoff = _officer_cutoff(request, id)
        serializer = FundingLineRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            application = funding.funding_line_apply(
                cutoff=cutoff,
                by=request.user,
                waitlist_size=serializer.validated_data["waitlist_size"],
                with_review_comments=serializer.validated_data["with_review_comments"],
            )
        except DjangoValidationError as exc:
            return Response(field_errors(exc), status=status.HTTP_400_BAD_REQUEST)
        except PermissionDenied as exc:
            raise Http404 from exc
        plan = selectors.FundingPlan.from_json(application.result)
        return Response(_plan_body(plan, []), status=status.HTTP_201_CREATED)
