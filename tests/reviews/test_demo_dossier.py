"""The demo: the programme officer's view of an assessed proposal holds real content, reached from
the cut-off's list, and the demo reviewer reads the honest page."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from applications.management.commands.seed_demo import OFFICER, REVIEWER
from portal.models import User
from reviews.models import TechnicalAssessment
from tests.factories.portal import give_totp

pytestmark = pytest.mark.django_db


def test_the_demo_officer_and_reviewer_land_on_real_content(client):
    call_command("seed_demo", stdout=StringIO())
    assessed = (
        TechnicalAssessment.objects.filter(status="submitted")
        .exclude(comment_to_panel="")
        .select_related("proposal")
        .first()
    )
    assert assessed is not None
    proposal = assessed.proposal
    officer = User.objects.get(email=OFFICER.email)
    give_totp(officer)  # staff pages ask for it
    client.force_login(officer)
    dossier = reverse("reviews:officer_proposal", args=[proposal.pk])
    cutoff_list = client.get(reverse("applications:officer_cutoff", args=[proposal.cutoff_id]))
    assert f'href="{dossier}"' in cutoff_list.content.decode()
    page = client.get(dossier).content.decode()
    for fact in (
        proposal.reference,
        proposal.organisation.registration_number,
        assessed.comment_to_panel,
        assessed.get_outcome_display(),
        "declared the proposal eligible",
    ):
        assert fact in page, fact

    reviewer = User.objects.get(email=REVIEWER.email)
    give_totp(reviewer)
    client.force_login(reviewer)
    page = client.get(reverse("reviews:reviewer_home")).content.decode()
    # The peer review of the demo (reviews.demo_reviews) gave the reviewer assignments.
    assert "Nothing is assigned to you yet." not in page
    assert "Continue your review" in page
    assert "Large Scale" in page and "Next cut-off" in page
