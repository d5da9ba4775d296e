"""The API against its own OpenAPI schema (/api/schema/), driven by schemathesis through the WSGI
application: generated valid and invalid input on every operation, as the applicant (token) and
as a programme officer (session, with its CSRF token), must never answer a 5xx and every answer
must match the schema.

The ids in paths are those of the test data, so the generated bodies reach real drafts and
requests instead of ending in 404s. Hypothesis is derandomised: a failure reproduces run after
run, and the number of examples keeps the run near a minute on two cores.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import hypothesis
import pytest
import schemathesis
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.middleware.csrf import CSRF_SECRET_LENGTH
from django.test import Client
from django.utils import timezone
from django.utils.crypto import get_random_string
from hypothesis import HealthCheck
from rest_framework.authtoken.models import Token
from rest_framework.views import APIView
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from applications.models import Proposal, ProposalReply, ResourceRequest
from applications.services.proposals import proposal_submit
from reviews.models import TechnicalAssessment
from tests.factories import (
    CentreMembershipFactory,
    MembershipFactory,
    ProgrammeOfficerFactory,
    ProposalFactory,
    ReviewerFactory,
    SubmittableProposalFactory,
    proposal_in_reply,
)

pytestmark = pytest.mark.django_db

CHECKS = [not_a_server_error, response_schema_conformance]
MAX_EXAMPLES = 12


@dataclass
class APIWorld:
    """Who calls and which objects the path ids point at."""

    headers: dict[str, str]
    cookies: dict[str, str]
    proposal_id: int  # a draft the proposal operations edit, submit and withdraw
    requests_proposal_id: int  # another draft, whose resource requests are edited
    request_id: int
    assessment_id: int  # an open technical assessment, at the assessor's centre
    cutoff_id: int  # the cut-off of the proposals, whose list the officer reads
    reply_proposal_id: int  # the applicant's proposal with the right of reply open


def _applicant_world() -> tuple:
    edited = SubmittableProposalFactory()
    organisation, applicant = edited.organisation, edited.created_by
    replying = proposal_in_reply(organisation=organisation, created_by=applicant)
    with_requests = SubmittableProposalFactory(organisation=organisation, created_by=applicant)
    submitted = SubmittableProposalFactory(organisation=organisation, created_by=applicant)
    proposal_submit(proposal=submitted, by=applicant)
    ProposalFactory(organisation=organisation, created_by=applicant)  # a bare draft in the list
    return applicant, edited, with_requests, replying


def _session_of(user) -> tuple[dict[str, str], dict[str, str]]:
    """Headers and cookies of a browser session of `user`, with the CSRF token DRF asks of
    session-authenticated writes (the cookie's secret, sent back in the header)."""
    client = Client()
    client.force_login(user)
    secret = get_random_string(CSRF_SECRET_LENGTH)
    cookies = {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}
    cookies[settings.CSRF_COOKIE_NAME] = secret
    return {"X-CSRFToken": secret}, cookies


def _keep_the_connection_across_requests(request) -> None:
    """The WSGI handler closes the database connection at the end of each request, and the
    test's transaction lives on it: disconnect that signal, as Django's test client does for its
    own requests (which is why this comes after the last use of the test client)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)

    def reconnect():
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)

    request.addfinalizer(reconnect)


def _open_assessment(proposal) -> TechnicalAssessment:
    request = proposal.requests.select_related("offered_partition__partition").get()
    return TechnicalAssessment.objects.create(
        request=request,
        proposal=proposal,
        centre_id=request.offered_partition.partition.centre_id,
        deadline=timezone.now() + timedelta(days=7),
    )


@pytest.fixture(
    params=[
        "applicant with a token",
        "programme officer with a session",
        "technical assessor with a token",
        "reviewer with a token",
    ]
)
def api_world(request, settings, monkeypatch) -> APIWorld:
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    # Throttling would turn most of the run into 429s; it has its own tests.
    monkeypatch.setattr(APIView, "throttle_classes", [])
    applicant, edited, with_requests, replying = _applicant_world()
    assessment = _open_assessment(edited)
    if request.param.startswith("applicant"):
        token, _ = Token.objects.get_or_create(user=applicant)
        headers, cookies = {"Authorization": f"Token {token.key}"}, {}
    elif request.param.startswith("technical assessor"):
        assessor = CentreMembershipFactory(centre=assessment.centre).user
        token, _ = Token.objects.get_or_create(user=assessor)
        headers, cookies = {"Authorization": f"Token {token.key}"}, {}
    elif request.param.startswith("reviewer"):
        # In the pool of the proposals' call, terms accepted: the reviewer's own endpoints.
        from reviews.models import PoolMembership

        reviewer = ReviewerFactory()
        PoolMembership.objects.create(
            call_id=edited.call_id, user=reviewer, terms_accepted_at=timezone.now()
        )
        token, _ = Token.objects.get_or_create(user=reviewer)
        headers, cookies = {"Authorization": f"Token {token.key}"}, {}
    else:
        officer = ProgrammeOfficerFactory()
        MembershipFactory(user=officer)  # an organisation of their own, without proposals
        headers, cookies = _session_of(officer)
    _keep_the_connection_across_requests(request)
    return APIWorld(
        headers=headers,
        cookies=cookies,
        proposal_id=edited.pk,
        requests_proposal_id=with_requests.pk,
        request_id=with_requests.requests.get().pk,
        assessment_id=assessment.pk,
        cutoff_id=edited.cutoff_id,
        reply_proposal_id=replying.pk,
    )


# The schema the API serves, read through the WSGI application as a client would read it.
schema = schemathesis.openapi.from_wsgi(
    "/api/schema/",
    get_wsgi_application(),
    config=schemathesis.Config.from_dict(
        {
            "generation": {"mode": "all"},
            "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
        }
    ),
)


@schema.parametrize()
@hypothesis.settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_answers_every_generated_request_within_its_schema(case, api_world):
    edits_a_request = "proposal_pk" in case.path_parameters
    if case.path.startswith("/api/v1/assessments/") and "id" in case.path_parameters:
        case.path_parameters["id"] = api_world.assessment_id
    elif case.path.startswith("/api/v1/cutoffs/") and "id" in case.path_parameters:
        case.path_parameters["id"] = api_world.cutoff_id
    elif edits_a_request:
        case.path_parameters["proposal_pk"] = api_world.requests_proposal_id
        if "id" in case.path_parameters:
            case.path_parameters["id"] = api_world.request_id
    elif "id" in case.path_parameters and re.search(r"/(reply|reviews)/", case.path):
        case.path_parameters["id"] = api_world.reply_proposal_id
    elif "id" in case.path_parameters:
        case.path_parameters["id"] = api_world.proposal_id
    if (
        case.meta.generation.mode.is_positive
        and isinstance(case.body, dict)
        and "/reply" in case.path
    ):
        reply = ProposalReply.objects.filter(proposal_id=api_world.reply_proposal_id).first()
        case.body["version"] = reply.version
    elif case.meta.generation.mode.is_positive and isinstance(case.body, dict):
        # A valid edit names the version it is based on; the generator cannot know it.
        model = ResourceRequest if edits_a_request else Proposal
        row = model.objects.filter(pk=case.path_parameters.get("id")).first()
        if row is not None:
            case.body["version"] = row.version
    case.call_and_validate(headers=api_world.headers, cookies=api_world.cookies, checks=CHECKS)
