"""The demo's reviewer pool: the demo reviewer joined the Large Scale call's pool under its terms,
another expert is invited, one conflict is declared and one detected (a shared mail domain) for
the officer to decide; the reviewer's page and the officer's list show them; a rerun changes
nothing."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from applications.models import Call
from applications.modes import AccessMode
from portal.models import User
from reviews.demo_assessments import DEMO_OFFICER_EMAIL
from reviews.demo_pool import DEMO_REVIEWER_EMAIL, INVITED_EXPERT_EMAIL, pool_demo_seed
from reviews.models import DeclaredConflict, DetectedConflict, PoolInvitation, PoolMembership
from reviews.selectors.conflicts import conflicted_pairs
from tests.factories.portal import give_totp

pytestmark = pytest.mark.django_db


def test_the_demo_reviewer_has_a_pool_terms_and_conflicts(client):
    call_command("seed_demo", stdout=StringIO())
    call = Call.objects.get(mode=AccessMode.LARGE_SCALE)
    reviewer = User.objects.get(email=DEMO_REVIEWER_EMAIL)
    membership = PoolMembership.objects.get(call=call, user=reviewer)
    assert membership.terms_accepted_at is not None
    assert PoolInvitation.objects.get(call=call, email=INVITED_EXPERT_EMAIL).status == "invited"
    declared = DeclaredConflict.objects.get(reviewer=reviewer)
    detected = DetectedConflict.objects.get(reviewer=reviewer)
    assert detected.rule == "email_domain" and detected.status == "detected"
    assert (reviewer.pk, detected.proposal_id) in conflicted_pairs(detected.cutoff)
    assert declared.organisation_id != detected.proposal.organisation_id

    give_totp(reviewer)
    client.force_login(reviewer)
    page = client.get(reverse("reviews:reviewer_home")).content.decode()
    assert call.title in page and "Terms accepted" in page
    assert declared.organisation.legal_name in page
    assert detected.proposal.title not in page  # a conflicted reviewer never sees it

    officer = User.objects.get(email=DEMO_OFFICER_EMAIL)
    give_totp(officer)
    client.force_login(officer)
    url = reverse("reviews:cutoff_conflicts", kwargs={"pk": detected.cutoff_id})
    assert "both use the mail domain" in client.get(url).content.decode()
    workspace = client.get(reverse("reviews:officer_workspace")).content.decode()
    assert reverse("reviews:reviewer_pool", kwargs={"pk": call.pk}) in workspace
    assert url in workspace
    pool = client.get(reverse("reviews:reviewer_pool", kwargs={"pk": call.pk})).content.decode()
    assert INVITED_EXPERT_EMAIL in pool and DEMO_REVIEWER_EMAIL in pool

    counts = (PoolInvitation.objects.count(), DetectedConflict.objects.count())
    pool_demo_seed(officer=officer)
    assert (PoolInvitation.objects.count(), DetectedConflict.objects.count()) == counts
