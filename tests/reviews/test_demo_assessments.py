"""The demo: eligible proposals reached through the door, some assessed by the demo assessor."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from applications.models import Proposal, ProposalStatus
from portal.models import User
from reviews.demo_assessments import DEMO_ASSESSOR_EMAIL, assessment_demo_seed
from reviews.models import TechnicalAssessment
from tests.factories.portal import give_totp

pytestmark = pytest.mark.django_db


def test_the_demo_assessor_has_assessed_and_waiting_requests_and_a_rerun_changes_nothing(client):
    call_command("seed_demo", stdout=StringIO())
    # First-come-first-served proposals enter technical assessment once eligible.
    eligible = Proposal.objects.filter(
        status__in=(ProposalStatus.ELIGIBLE, ProposalStatus.IN_REVIEW)
    )
    assert eligible.count() >= 2
    for proposal in eligible:
        assert proposal.technical_assessments.count() == proposal.requests.count()
    assessor = User.objects.get(email=DEMO_ASSESSOR_EMAIL)
    done = TechnicalAssessment.objects.filter(status="submitted", centre__short_name="BSC")
    assert done.exists() and set(done.values_list("submitted_by", flat=True)) == {assessor.pk}
    before = list(TechnicalAssessment.objects.order_by("pk").values())
    assert assessment_demo_seed() == 0
    assert list(TechnicalAssessment.objects.order_by("pk").values()) == before

    give_totp(assessor)  # staff pages ask for it
    client.force_login(assessor)
    page = client.get(reverse("reviews:assessment_list")).content.decode()
    assert "Feasible with changes" in page
    assert "Nothing is waiting for your assessment." not in page


def test_the_demo_officers_workspace_has_work_waiting(client):
    from reviews.demo_assessments import DEMO_OFFICER_EMAIL

    call_command("seed_demo", stdout=StringIO())
    officer = User.objects.get(email=DEMO_OFFICER_EMAIL)
    give_totp(officer)
    client.force_login(officer)
    calls = client.get(reverse("reviews:officer_workspace")).context["calls"]
    cutoffs = [w for c in calls for w in c.cutoffs]
    assert sum(w.eligibility for w in cutoffs) > 0
    assert sum(w.assessment + w.overdue for w in cutoffs) > 0  # overdue since the story
    assert sum(w.decided for w in cutoffs) > 0
    assert any(w.centres for w in cutoffs)
