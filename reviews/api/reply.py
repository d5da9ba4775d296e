"""API of the right of reply for applicants, with the page's selectors, services and rule
(reviews.reply_to_reviews): the anonymised reviews of their proposal, and the reply to read, save
(with the version it is based on: a stale one gets 409 naming who saved it and when) and submit.
A proposal whose reply was never opened, or that is not theirs, is a 404."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from applications.api.errors import service_errors
from applications.api.fields import UTCDateTimeField
from applications.api.proposals import CONFLICT_RESPONSE, PROPOSAL_ID_PARAMETER
from applications.models import Proposal, ProposalReply
from applications.services.replies import (
    reply_deadline_passed,
    reply_save,
    reply_submit,
    word_count,
)
from portal.validators import LONG_TEXT_MAX_CHARS
from reviews.selectors.replies import applicant_reviews, reply_of

PERM = "reviews.reply_to_reviews"
VERSION_MAX = 2**31 - 1
NOT_FOUND = OpenApiResponse(description="No such proposal among yours, or no reply opened on it.")


class CriterionCommentSerializer(serializers.Serializer):
    criterion = serializers.CharField()
    comment = serializers.CharField(allow_blank=True, help_text="The reviewer's comment to you.")
    score = serializers.IntegerField(
        allow_null=True, help_text="Null unless the call shows the scores with the reviews."
    )
    scale_max = serializers.IntegerField()


class AnonymisedReviewSerializer(serializers.Serializer):
    number = serializers.IntegerField(help_text="Reviewers are numbered, never named.")
    label = serializers.CharField()
    criteria = CriterionCommentSerializer(many=True)


class AssessmentCommentSerializer(serializers.Serializer):
    centre = serializers.CharField()
    partition = serializers.CharField()
    comment = serializers.CharField()


class ApplicantReviewsSerializer(serializers.Serializer):
    shows_scores = serializers.BooleanField()
    reviews = AnonymisedReviewSerializer(many=True)
    assessments = AssessmentCommentSerializer(
        many=True, help_text="Each hosting centre's comment to you on its technical assessment."
    )


class ReplySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ProposalReply.Status.choices)
    text = serializers.CharField(allow_blank=True)
    words = serializers.IntegerField()
    word_limit = serializers.IntegerField()
    version = serializers.IntegerField(help_text="Send it back with a change.")
    is_open = serializers.BooleanField(help_text="It can still be changed and submitted.")
    opened_at = UTCDateTimeField()
    deadline = UTCDateTimeField(help_text="The end of the last working day to reply.")
    saved_at = UTCDateTimeField(allow_null=True)
    saved_by = serializers.CharField(allow_null=True)
    submitted_at = UTCDateTimeField(allow_null=True)
    submitted_by = serializers.CharField(allow_null=True)


class ReplySaveSerializer(serializers.Serializer):
    text = serializers.CharField(
        allow_blank=True, trim_whitespace=False, max_length=LONG_TEXT_MAX_CHARS
    )
    version = serializers.IntegerField(
        min_value=1, max_value=VERSION_MAX, help_text="The reply's version when it was loaded."
    )


class ReplySubmitSerializer(serializers.Serializer):
    text = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        max_length=LONG_TEXT_MAX_CHARS,
        help_text="Saved first, if given; otherwise the saved text is submitted.",
    )
    version = serializers.IntegerField(min_value=1, max_value=VERSION_MAX)


def _proposal(request, id: int) -> Proposal:
    proposal = Proposal.objects.select_related("call").filter(pk=id).first()
    if proposal is None or not request.user.has_perm(PERM, proposal):
        raise Http404
    return proposal


def reply_data(proposal: Proposal, reply: ProposalReply) -> dict:
    return {
        "status": reply.status,
        "text": reply.text,
        "words": word_count(reply.text),
        "word_limit": proposal.call.reply_word_limit,
        "version": reply.version,
        "is_open": proposal.status == "in_reply"
        and not reply.is_submitted
        and not reply_deadline_passed(reply),
        "opened_at": reply.opened_at,
        "deadline": reply.deadline,
        "saved_at": reply.saved_at,
        "saved_by": reply.saved_by.display_name if reply.saved_by else None,
        "submitted_at": reply.submitted_at,
        "submitted_by": reply.submitted_by.display_name if reply.submitted_by else None,
    }


def _reviews_data(proposal: Proposal) -> dict:
    found = applicant_reviews(proposal=proposal)
    return {
        "shows_scores": found.shows_scores,
        "reviews": [
            {"number": r.number, "label": r.label, "criteria": r.criteria} for r in found.reviews
        ],
        "assessments": found.assessments,
    }


class ProposalReviewsView(APIView):
    @extend_schema(
        summary="The anonymised reviews of your proposal (right of reply)",
        description="Once the right of reply is opened: each submitted review as Reviewer 1, 2, "
        "3 with its comments to you per criterion (scores only if the call shows them), and each "
        "centre's comment to you. Reviewers are never identified.",
        tags=["proposals"],
        operation_id="proposals_reviews",
        parameters=[PROPOSAL_ID_PARAMETER],
        responses={200: ApplicantReviewsSerializer, 404: NOT_FOUND},
    )
    def get(self, request, id: int):
        proposal = _proposal(request, id)
        return Response(ApplicantReviewsSerializer(_reviews_data(proposal)).data)


def _reply_write(request, id: int, serializer_class, service) -> Response:
    """Save or submit through the service (the one write path of the page and the API); a
    member who may no longer write gets the 404 anyone else gets."""
    proposal = _proposal(request, id)
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    try:
        with service_errors():
            reply = service(
                reply=reply_of(proposal=proposal),
                by=request.user,
                text=serializer.validated_data.get("text"),
                expected_version=serializer.validated_data["version"],
            )
    except DjangoPermissionDenied as exc:
        raise Http404 from exc
    proposal.refresh_from_db(fields=["status"])  # a submission may have moved it on
    return Response(ReplySerializer(reply_data(proposal, reply)).data)


class ProposalReplyView(APIView):
    @extend_schema(
        summary="Your reply to the reviews",
        tags=["proposals"],
        operation_id="proposals_reply_read",
        parameters=[PROPOSAL_ID_PARAMETER],
        responses={200: ReplySerializer, 404: NOT_FOUND},
    )
    def get(self, request, id: int):
        proposal = _proposal(request, id)
        return Response(ReplySerializer(reply_data(proposal, reply_of(proposal=proposal))).data)

    @extend_schema(
        summary="Save your reply (a draft)",
        description="Any member of the organisation, before the deadline and until it is "
        "submitted. A draft may exceed the word limit; submitting it may not.",
        tags=["proposals"],
        operation_id="proposals_reply_save",
        parameters=[PROPOSAL_ID_PARAMETER],
        request=ReplySaveSerializer,
        responses={
            200: ReplySerializer,
            400: OpenApiResponse(description="Field errors: closed, past the deadline, too long."),
            404: NOT_FOUND,
            409: CONFLICT_RESPONSE,
        },
    )
    def patch(self, request, id: int):
        return _reply_write(request, id, ReplySaveSerializer, reply_save)


class ProposalReplySubmitView(APIView):
    @extend_schema(
        summary="Submit your reply",
        description="Once, before the deadline, within the call's word limit; the reviewers and "
        "the panel then read it. A refused submission keeps the text it was sent with.",
        tags=["proposals"],
        operation_id="proposals_reply_submit",
        parameters=[PROPOSAL_ID_PARAMETER],
        request=ReplySubmitSerializer,
        responses={
            200: ReplySerializer,
            400: OpenApiResponse(description="Field errors: empty, too long, past the deadline."),
            404: NOT_FOUND,
            409: CONFLICT_RESPONSE,
        },
    )
    def post(self, request, id: int):
        return _reply_write(request, id, ReplySubmitSerializer, reply_submit)
