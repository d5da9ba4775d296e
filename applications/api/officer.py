"""API of the programme officer's lists: a cut-off's submitted proposals in submission order (the
order first-come-first-served decides in), filtered by what they wait on, as slim rows.

The same rule as the page (`applications.view_cutoff_submissions`): anyone else gets a 404 and
learns nothing of the cut-off. What a proposal waits on is the kept `Proposal.waiting_on`
(applications.services.proposals.waiting), so a page reads its rows from an index.
"""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import CursorPagination

from applications.models import ProposalStatus, WaitingOn
from applications.selectors import calls as selectors
from applications.time_to_access import ClockState
from applications.working_days import working_calendar

from .fields import UTCDateTimeField


class SubmissionOrderPagination(CursorPagination):
    """Oldest submission first, page after page by an opaque cursor; each page is read from the
    index on (cut-off, submitted_at, id), or (cut-off, waiting_on, submitted_at, id) when
    filtered, and the list is never counted."""

    ordering = ("submitted_at", "id")
    page_size = 50


class TimeToAccessSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=[(s.value, s.value) for s in ClockState])
    promised_working_days = serializers.IntegerField(source="promised")
    due_on = serializers.DateField(help_text="The last working day of the promise.")
    working_days_left = serializers.SerializerMethodField(
        help_text="Running or due: working days left (0 on the due day); else null."
    )
    overdue_by_working_days = serializers.SerializerMethodField(
        help_text="Overdue, or decided late: working days past the promise; else null."
    )
    headline = serializers.CharField(help_text="As the officer's page says it.")

    def get_working_days_left(self, clock) -> int | None:
        if clock.state in (ClockState.RUNNING, ClockState.DUE, ClockState.NOT_STARTED):
            return clock.working_days
        return None

    def get_overdue_by_working_days(self, clock) -> int | None:
        if clock.state == ClockState.OVERDUE:
            return clock.working_days
        if clock.state == ClockState.DECIDED_LATE:
            return clock.working_days - clock.promised
        return None


class CutOffProposalSerializer(serializers.Serializer):
    """One row of a cut-off's list: what the officer needs to pick the next proposal."""

    id = serializers.IntegerField(source="pk")
    reference = serializers.CharField()
    title = serializers.CharField()
    organisation = serializers.CharField()
    country = serializers.CharField()
    status = serializers.ChoiceField(choices=ProposalStatus.choices)
    waiting_on = serializers.ChoiceField(
        choices=WaitingOn.choices,
        help_text="Whose move it is: eligibility check, technical assessment (overdue or not), "
        "peer review, right of reply, panel ranking, decision, decided; empty for a withdrawn "
        "proposal.",
    )
    waiting_for = serializers.CharField(
        help_text="Who it waits for, in a few words: the centres still assessing ('CSC, IT4I "
        "(overdue)'), the reviews ('1 of 3 reviews in', 'no reviewer yet'), the reply ('reply "
        "due 14 Dec 2026', 'reply in')."
    )
    submitted_at = UTCDateTimeField(allow_null=True)
    time_to_access = TimeToAccessSerializer(
        source="clock", allow_null=True, help_text="Null for a withdrawn proposal."
    )


class CutOffProposalQuery(serializers.Serializer):
    waiting_on = serializers.ChoiceField(
        choices=selectors.WAITING_FILTER_CHOICES, required=False, allow_blank=True
    )


class CutOffProposalsView(GenericAPIView):
    serializer_class = CutOffProposalSerializer
    pagination_class = SubmissionOrderPagination
    filter_backends: list = []

    @extend_schema(
        summary="A cut-off's submitted proposals (programme officers)",
        description="In submission order, the order in which first-come-first-served decides. "
        "`waiting_on` keeps those waiting on the eligibility check, a technical assessment on "
        "time (`assessment`) or overdue (`overdue`), their peer reviews (`reviews`), the "
        "applicant's reply (`reply`), the panel (`panel`), the decision, or those decided.",
        tags=["workspace"],
        parameters=[
            OpenApiParameter(
                "id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Cut-off id."
            ),
            OpenApiParameter(
                "waiting_on",
                OpenApiTypes.STR,
                enum=list(selectors.WAITING_FILTERS),
                description="Only the proposals waiting on this.",
            ),
        ],
        responses={
            200: CutOffProposalSerializer(many=True),
            400: OpenApiResponse(description="An unknown `waiting_on`."),
            404: OpenApiResponse(
                description="No such cut-off, or you are not a programme officer."
            ),
        },
    )
    def get(self, request, id: int):
        cutoff = selectors.cutoff_for_officer(pk=id)
        if cutoff is None or not request.user.has_perm(
            "applications.view_cutoff_submissions", cutoff
        ):
            raise Http404
        query = CutOffProposalQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        proposals = selectors.proposals_submitted(cutoff=cutoff)
        if waiting_on := query.validated_data.get("waiting_on"):
            proposals = selectors.proposals_waiting_on(proposals, waiting_on)
        page = self.paginate_queryset(selectors.submitted_row_values(proposals))
        rows = selectors.submitted_rows(
            page, calendar=working_calendar(), now=timezone.now(), with_requests=False
        )
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)
