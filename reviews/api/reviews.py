"""API of a reviewer's reviews, with the pages' services and rules: list them, read one (with the
other reviews, as "Reviewer N", once it is submitted), save the draft (PATCH with the version
read), submit. Another's assignment, a conflicted or a declined one is a 404, like one that does
not exist; so is an assignment whose proposal the reviewer has not yet confirmed no conflict with
(the page sends them to that check)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from applications.api.errors import service_errors
from applications.api.fields import UTCDateTimeField
from reviews.api.parameters import path_id
from reviews.models import Confidence, Recommendation
from reviews.models.scoring import CRITERION_COMMENT_MAX_CHARS, PANEL_COMMENT_MAX_CHARS
from reviews.selectors import reviews as selectors
from reviews.services import reviews as services

ID_MAX = 2**31 - 1
MAX_SCORES = 50


class ReviewListSerializer(serializers.Serializer):
    assignment = serializers.IntegerField(source="assignment.pk")
    proposal = serializers.IntegerField(source="assignment.proposal_id")
    reference = serializers.CharField(source="assignment.proposal.reference", allow_null=True)
    title = serializers.CharField(source="assignment.proposal.title")
    state = serializers.CharField(
        help_text="not_started, draft or submitted (declined assignments are not listed)."
    )
    deadline = UTCDateTimeField(source="assignment.deadline", allow_null=True)
    overdue = serializers.BooleanField()


class ReviewCriterionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField()
    weight = serializers.DecimalField(max_digits=5, decimal_places=2)
    scale_min = serializers.IntegerField()
    scale_max = serializers.IntegerField()
    threshold = serializers.DecimalField(max_digits=4, decimal_places=1, allow_null=True)


class ScoreSerializer(serializers.Serializer):
    criterion = serializers.IntegerField(source="criterion_id", min_value=1, max_value=ID_MAX)
    score = serializers.IntegerField(
        allow_null=True, min_value=0, max_value=32_767, help_text="Within the criterion's scale."
    )
    comment_to_applicant = serializers.CharField(
        allow_blank=True, required=False, max_length=CRITERION_COMMENT_MAX_CHARS
    )


class OtherReviewSerializer(serializers.Serializer):
    label = serializers.CharField(help_text='"Reviewer 2": never a name, email or affiliation.')
    scores = ScoreSerializer(source="review.scores.all", many=True)
    weighted_total = serializers.DecimalField(
        source="review.weighted_total", max_digits=9, decimal_places=3, allow_null=True
    )
    confidence = serializers.CharField(source="review.confidence")
    recommendation = serializers.CharField(source="review.recommendation")
    comment_to_panel = serializers.CharField(source="review.comment_to_panel")


class ReviewDetailSerializer(serializers.Serializer):
    assignment = serializers.IntegerField()
    proposal = serializers.IntegerField()
    title = serializers.CharField()
    state = serializers.CharField(help_text="not_started, draft or submitted.")
    deadline = UTCDateTimeField(allow_null=True)
    version = serializers.IntegerField(help_text="Send it back with a PATCH or a submission.")
    criteria = ReviewCriterionSerializer(many=True)
    scores = ScoreSerializer(many=True)
    comment_to_panel = serializers.CharField()
    confidence = serializers.CharField()
    recommendation = serializers.CharField()
    weighted_total = serializers.DecimalField(max_digits=9, decimal_places=3, allow_null=True)
    submitted_at = UTCDateTimeField(allow_null=True)
    late = serializers.BooleanField(help_text="Submitted after the deadline.")
    others = OtherReviewSerializer(
        many=True, help_text="The other submitted reviews, once yours is submitted."
    )
    reply = serializers.CharField(
        allow_null=True, help_text="The applicant's reply, once yours is submitted."
    )


class ReviewWriteSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1, max_value=ID_MAX, help_text="The version read; a stale one gets 409."
    )
    scores = ScoreSerializer(many=True, required=False, max_length=MAX_SCORES)
    comment_to_panel = serializers.CharField(
        allow_blank=True, required=False, max_length=PANEL_COMMENT_MAX_CHARS
    )
    confidence = serializers.ChoiceField(
        choices=Confidence.choices, allow_blank=True, required=False
    )
    recommendation = serializers.ChoiceField(
        choices=Recommendation.choices, allow_blank=True, required=False
    )

    def values(self) -> dict:
        data = self.validated_data
        values = {k: data[k] for k in services.REVIEW_FIELDS if k in data}
        for row in data.get("scores", []):
            values[services.score_field(row["criterion_id"])] = row["score"]
            if "comment_to_applicant" in row:
                values[services.comment_field(row["criterion_id"])] = row["comment_to_applicant"]
        return values


class SubmitSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1, max_value=ID_MAX, help_text="The version read; a stale one gets 409."
    )


def _assignment(request, id: int):
    if not request.user.has_perm("reviews.view_reviewer_home"):
        raise Http404
    assignment = selectors.reviewer_assignment(reviewer=request.user, pk=id)
    if assignment is None:
        raise Http404
    return assignment


def _detail(assignment) -> dict:
    review = selectors.review_of(assignment)
    criteria = selectors.criteria_of(assignment.proposal)
    submitted = review is not None and review.is_submitted
    reply = selectors.submitted_reply(assignment.proposal) if submitted else None
    return {
        "assignment": assignment.pk,
        "proposal": assignment.proposal_id,
        "title": assignment.proposal.title,
        "state": "submitted" if submitted else "draft" if review else "not_started",
        "deadline": assignment.deadline,
        "version": review.version if review else 1,
        "criteria": criteria,
        "scores": list(review.scores.all()) if review else [],
        "comment_to_panel": review.comment_to_panel if review else "",
        "confidence": review.confidence if review else "",
        "recommendation": review.recommendation if review else "",
        "weighted_total": review.weighted_total if review else None,
        "submitted_at": review.submitted_at if review else None,
        "late": bool(
            submitted and assignment.deadline and review.submitted_at > assignment.deadline
        ),
        "others": selectors.others_reviews(assignment=assignment, own=review),
        "reply": reply.text if reply else None,
    }


ERRORS = {
    400: OpenApiResponse(
        description="Field errors: per criterion under score_<criterion id> and "
        "comment_<criterion id>; a submitted review cannot change."
    ),
    404: OpenApiResponse(description="Not your assignment, conflicted, declined, or unknown."),
    409: OpenApiResponse(description="The review was saved meanwhile (stale version)."),
}


class ReviewerReviewsView(APIView):
    @extend_schema(
        summary="Your reviews: each assignment with the state of its review (reviewers)",
        tags=["reviewer"],
        responses={200: ReviewListSerializer(many=True), 404: ERRORS[404]},
    )
    def get(self, request):
        if not request.user.has_perm("reviews.view_reviewer_home"):
            raise Http404
        rows = selectors.reviewer_workspace_assignments(reviewer=request.user, now=timezone.now())
        # Only those whose body the reviewer may read: the rest wait for the no-conflict step.
        readable = [
            r for r in rows.rows if request.user.has_perm("reviews.write_review", r.assignment)
        ]
        return Response(ReviewListSerializer(readable, many=True).data)


class ReviewerReviewView(APIView):
    @extend_schema(
        summary="Your review of an assigned proposal (reviewers)",
        tags=["reviewer"],
        parameters=[path_id("Assignment id.")],
        responses={200: ReviewDetailSerializer, 404: ERRORS[404]},
    )
    def get(self, request, id: int):
        assignment = _assignment(request, id)
        return Response(ReviewDetailSerializer(_detail(assignment)).data)

    @extend_schema(
        summary="Save your draft review: any subset of its fields (reviewers)",
        tags=["reviewer"],
        parameters=[path_id("Assignment id.")],
        request=ReviewWriteSerializer,
        responses={200: ReviewDetailSerializer, **ERRORS},
    )
    def patch(self, request, id: int):
        assignment = _assignment(request, id)
        serializer = ReviewWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            with service_errors():
                services.review_save(
                    assignment=assignment,
                    reviewer=request.user,
                    values=serializer.values(),
                    expected_version=serializer.validated_data["version"],
                )
        except DjangoPermissionDenied as exc:
            raise Http404 from exc
        return Response(ReviewDetailSerializer(_detail(assignment)).data)


class ReviewerReviewSubmitView(APIView):
    @extend_schema(
        summary="Submit your review: every criterion scored, confidence and recommendation "
        "(reviewers)",
        description="Accepted after the deadline too (marked late). A submitted review is final.",
        tags=["reviewer"],
        parameters=[path_id("Assignment id.")],
        request=SubmitSerializer,
        responses={200: ReviewDetailSerializer, **ERRORS},
    )
    def post(self, request, id: int):
        assignment = _assignment(request, id)
        serializer = SubmitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            with service_errors():
                services.review_submit(
                    assignment=assignment,
                    reviewer=request.user,
                    expected_version=serializer.validated_data["version"],
                )
        except DjangoPermissionDenied as exc:
            raise Http404 from exc
        return Response(ReviewDetailSerializer(_detail(assignment)).data)
