"""Conflicts of interest: each detection rule with the fact that triggered it, and its negatives;
officers confirm or dismiss with a recorded reason; what the assignment must exclude
(conflicted_pairs); the no-conflict step before a proposal's body; pages, API and query counts."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from portal.models import Activity
from reviews.models import (
    ConflictType,
    DeclaredConflict,
    DetectedConflict,
    DetectionRule,
    PastEmployer,
    ReviewerProfile,
)
from reviews.selectors.conflicts import conflicted_pairs, may_read_proposal
from reviews.services.conflicts import (
    company_name_score,
    conflict_declare,
    conflicts_detect,
    detected_conflict_decide,
    domain_is_organisational,
    no_conflict_confirm,
)
from tests.factories import (
    CentreMembershipFactory,
    MembershipFactory,
    OrganisationFactory,
    ProgrammeOfficerFactory,
    ReviewerFactory,
    TeamMemberFactory,
    UserFactory,
)
from tests.reviews.pool_world import large_scale_cutoff, pool_reviewer, submitted_proposal

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _staff_without_totp(settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False


@pytest.fixture
def cutoff():
    return large_scale_cutoff()


def _rules(cutoff) -> dict[str, str]:
    return {c.rule: c.fact for c in DetectedConflict.objects.filter(cutoff=cutoff)}


def _employer(reviewer, **fields):
    profile, _ = ReviewerProfile.objects.get_or_create(user=reviewer)
    return PastEmployer.objects.create(profile=profile, from_year=2015, to_year=2019, **fields)


# --- detection rules --------------------------------------------------------------------------


def test_a_member_of_the_applying_organisation_is_detected(cutoff):
    proposal = submitted_proposal(cutoff)
    reviewer = pool_reviewer(cutoff.call, first_name="Ada", last_name="Byron")
    MembershipFactory(organisation=proposal.organisation, user=reviewer)
    conflicts_detect(cutoff=cutoff)
    fact = _rules(cutoff)[DetectionRule.MEMBER]
    assert "Ada Byron is a member of" in fact and proposal.organisation.legal_name in fact


def test_a_reviewer_named_in_the_team_is_detected(cutoff):
    proposal = submitted_proposal(cutoff)
    reviewer = pool_reviewer(cutoff.call)
    TeamMemberFactory(proposal=proposal, user=reviewer)
    conflicts_detect(cutoff=cutoff)
    assert "named in the team" in _rules(cutoff)[DetectionRule.TEAM]


def test_a_shared_email_domain_is_detected_with_both_people(cutoff):
    proposal = submitted_proposal(cutoff)
    member = UserFactory(email="lena@quantenwerk.de", first_name="Lena", last_name="Ott")
    TeamMemberFactory(proposal=proposal, user=member)
    pool_reviewer(cutoff.call, email="max@quantenwerk.de")
    conflicts_detect(cutoff=cutoff)
    fact = _rules(cutoff)[DetectionRule.EMAIL_DOMAIN]
    assert "Lena Ott" in fact and "quantenwerk.de" in fact


def test_a_domain_from_the_reviewers_profile_counts(cutoff):
    proposal = submitted_proposal(cutoff)
    TeamMemberFactory(proposal=proposal, user=UserFactory(email="a@lab-one.eu"))
    reviewer = pool_reviewer(cutoff.call, email="r@elsewhere.eu")
    ReviewerProfile.objects.create(user=reviewer, email_domains=["lab-one.eu"])
    conflicts_detect(cutoff=cutoff)
    assert "lab-one.eu" in _rules(cutoff)[DetectionRule.EMAIL_DOMAIN]


@pytest.mark.parametrize(
    "domain", ["gmail.com", "outlook.com", "gmx.de", "example.org", "demo.example"]
)
def test_public_and_reserved_mail_domains_never_trigger(cutoff, domain):
    proposal = submitted_proposal(cutoff)
    TeamMemberFactory(proposal=proposal, user=UserFactory(email=f"team@{domain}"))
    pool_reviewer(cutoff.call, email=f"reviewer@{domain}")
    conflicts_detect(cutoff=cutoff)
    assert DetectionRule.EMAIL_DOMAIN not in _rules(cutoff)
    assert not domain_is_organisational(domain)
    assert domain_is_organisational("quantenwerk.de")


def test_a_past_employer_with_the_same_registration_number_is_detected(cutoff):
    organisation = OrganisationFactory(
        legal_name="Helix Robotics GmbH", registration_number="HRB 4711"
    )
    submitted_proposal(cutoff, organisation=organisation)
    reviewer = pool_reviewer(cutoff.call)
    _employer(reviewer, name="Totally other name AG", registration_number="hrb4711")
    conflicts_detect(cutoff=cutoff)
    fact = _rules(cutoff)[DetectionRule.EMPLOYER_NUMBER]
    assert "registration number HRB 4711" in fact and "2015–2019" in fact


def test_a_past_employer_with_the_same_vat_number_is_detected(cutoff):
    organisation = OrganisationFactory(legal_name="Helix Robotics GmbH", vat_number="DE136695976")
    submitted_proposal(cutoff, organisation=organisation)
    reviewer = pool_reviewer(cutoff.call)
    _employer(reviewer, name="Somebody else", vat_number="136695976")
    conflicts_detect(cutoff=cutoff)
    assert "VAT number DE136695976" in _rules(cutoff)[DetectionRule.EMPLOYER_NUMBER]


def test_a_past_employer_whose_name_matches_the_legal_name_is_detected(cutoff):
    organisation = OrganisationFactory(legal_name="Helix Robotics GmbH")
    submitted_proposal(cutoff, organisation=organisation)
    reviewer = pool_reviewer(cutoff.call)
    _employer(reviewer, name="HELIX ROBOTICS Ltd.")
    conflicts_detect(cutoff=cutoff)
    fact = _rules(cutoff)[DetectionRule.EMPLOYER_NAME]
    assert "HELIX ROBOTICS Ltd." in fact and "100 % alike" in fact


def test_a_different_number_and_a_dissimilar_name_do_not_trigger(cutoff):
    organisation = OrganisationFactory(
        legal_name="Helix Robotics GmbH", registration_number="HRB 4711"
    )
    submitted_proposal(cutoff, organisation=organisation)
    reviewer = pool_reviewer(cutoff.call)
    _employer(reviewer, name="Nordic Quantum Oy", registration_number="HRB 4712")
    conflicts_detect(cutoff=cutoff)
    assert _rules(cutoff) == {}


def test_names_that_differ_in_a_number_are_different_companies():
    assert company_name_score("Neural Startup 1 GmbH", "Neural Startup 12 GmbH") == 0
    assert company_name_score("Acme SAS", "ACME s.a.s.") == 100
    assert company_name_score("Acme Robotics", "Robotics Acme GmbH") == 100


def test_a_reviewer_outside_the_pool_or_a_draft_is_not_compared(cutoff):
    from tests.factories import ProposalFactory

    draft = ProposalFactory(cutoff=cutoff)
    outsider = ReviewerFactory()
    MembershipFactory(organisation=draft.organisation, user=outsider)
    member = pool_reviewer(cutoff.call)
    MembershipFactory(organisation=draft.organisation, user=member)
    conflicts_detect(cutoff=cutoff)
    assert _rules(cutoff) == {}


# --- idempotence and officers' decisions ----------------------------------------------------


def test_detection_is_idempotent_and_keeps_the_officers_decisions(cutoff):
    proposal = submitted_proposal(cutoff)
    reviewer = pool_reviewer(cutoff.call)
    membership = MembershipFactory(organisation=proposal.organisation, user=reviewer)
    officer = ProgrammeOfficerFactory()
    first = conflicts_detect(cutoff=cutoff, by=officer)
    assert (first.found, first.new) == (1, 1)
    again = conflicts_detect(cutoff=cutoff, by=officer)
    assert (again.found, again.new) == (1, 0)
    conflict = DetectedConflict.objects.get()
    detected_conflict_decide(conflict=conflict, by=officer, confirm=False, reason="Left in 2010")
    conflicts_detect(cutoff=cutoff)
    conflict.refresh_from_db()
    assert conflict.status == DetectedConflict.Status.DISMISSED and conflict.is_current
    # No longer found: a decided row stays (marked), an undecided one goes.
    membership.delete()
    conflicts_detect(cutoff=cutoff)
    conflict.refresh_from_db()
    assert not conflict.is_current and conflict.reason == "Left in 2010"


def test_an_undecided_conflict_no_longer_found_is_dropped(cutoff):
    proposal = submitted_proposal(cutoff)
    reviewer = pool_reviewer(cutoff.call)
    membership = MembershipFactory(organisation=proposal.organisation, user=reviewer)
    conflicts_detect(cutoff=cutoff)
    membership.delete()
    conflicts_detect(cutoff=cutoff)
    assert not DetectedConflict.objects.exists()


def test_confirm_and_dismiss_are_recorded_with_the_reason_for_staff_only(cutoff):
    proposal = submitted_proposal(cutoff)
    reviewer = pool_reviewer(cutoff.call)
    MembershipFactory(organisation=proposal.organisation, user=reviewer)
    conflicts_detect(cutoff=cutoff)
    conflict = DetectedConflict.objects.get()
    officer = ProgrammeOfficerFactory()
    detected_conflict_decide(conflict=conflict, by=officer, confirm=True, reason="Co-founder")
    conflict.refresh_from_db()
    assert conflict.status == DetectedConflict.Status.CONFIRMED
    assert conflict.decided_by == officer and conflict.reason == "Co-founder"
    entry = Activity.objects.get(verb="conflict.confirm")
    assert entry.audience == "staff" and entry.data["reason"] == "Co-founder"
    detected_conflict_decide(conflict=conflict, by=officer, confirm=False, reason="Mistake")
    assert Activity.objects.get(verb="conflict.dismiss").to_state == "dismissed"


def test_a_decision_needs_a_reason_and_an_officer(cutoff):
    proposal = submitted_proposal(cutoff)
    reviewer = pool_reviewer(cutoff.call)
    MembershipFactory(organisation=proposal.organisation, user=reviewer)
    conflicts_detect(cutoff=cutoff)
    conflict = DetectedConflict.objects.get()
    with pytest.raises(ValidationError):
        detected_conflict_decide(
            conflict=conflict, by=ProgrammeOfficerFactory(), confirm=True, reason="  "
        )
    superuser = UserFactory(is_superuser=True, is_staff=True)
    for user in (superuser, reviewer, CentreMembershipFactory().user):
        with pytest.raises(PermissionDenied):
            detected_conflict_decide(conflict=conflict, by=user, confirm=False, reason="x")


# --- what the assignment excludes, and reading a proposal ------------------------------------


def test_conflicted_pairs_hold_detected_confirmed_and_declared_but_not_dismissed(cutoff):
    officer = ProgrammeOfficerFactory()
    detected_p, dismissed_p, declared_p, by_org_p, free_p = (
        submitted_proposal(cutoff) for _ in range(5)
    )
    reviewer = pool_reviewer(cutoff.call)
    MembershipFactory(organisation=detected_p.organisation, user=reviewer)
    MembershipFactory(organisation=dismissed_p.organisation, user=reviewer)
    conflicts_detect(cutoff=cutoff)
    dismissed = DetectedConflict.objects.get(proposal=dismissed_p)
    detected_conflict_decide(conflict=dismissed, by=officer, confirm=False, reason="Old")
    conflict_declare(reviewer=reviewer, proposal=declared_p, type=ConflictType.COMPETITOR)
    conflict_declare(
        reviewer=reviewer, organisation=by_org_p.organisation, type=ConflictType.FINANCIAL
    )
    pairs = conflicted_pairs(cutoff)
    assert pairs == {
        (reviewer.pk, detected_p.pk),
        (reviewer.pk, declared_p.pk),
        (reviewer.pk, by_org_p.pk),
    }
    assert (reviewer.pk, free_p.pk) not in pairs and (reviewer.pk, dismissed_p.pk) not in pairs


def test_a_reviewer_reads_a_body_only_after_confirming_no_conflict(cutoff):
    proposal = submitted_proposal(cutoff)
    reviewer = pool_reviewer(cutoff.call)
    assert not may_read_proposal(reviewer, proposal)
    no_conflict_confirm(reviewer=reviewer, proposal=proposal)
    assert may_read_proposal(reviewer, proposal)
    # A conflict found later closes it again.
    MembershipFactory(organisation=proposal.organisation, user=reviewer)
    conflicts_detect(cutoff=cutoff)
    assert not may_read_proposal(reviewer, proposal)


def test_without_the_terms_or_outside_the_pool_nothing_opens(cutoff):
    proposal = submitted_proposal(cutoff)
    no_terms = pool_reviewer(cutoff.call, terms=False)
    other_call = pool_reviewer(large_scale_cutoff().call)
    for reviewer in (no_terms, other_call):
        with pytest.raises(PermissionDenied):
            no_conflict_confirm(reviewer=reviewer, proposal=proposal)
        assert not may_read_proposal(reviewer, proposal)


def test_declaring_twice_is_refused_clearly(cutoff):
    proposal = submitted_proposal(cutoff)
    reviewer = pool_reviewer(cutoff.call)
    conflict_declare(reviewer=reviewer, organisation=proposal.organisation, type="personal")
    with pytest.raises(ValidationError, match="already declared"):
        conflict_declare(reviewer=reviewer, organisation=proposal.organisation, type="other")
    with pytest.raises(ValidationError):
        conflict_declare(
            reviewer=reviewer, organisation=proposal.organisation, type="other", note="x" * 2001
        )


# --- pages ------------------------------------------------------------------------------------


def test_the_conflict_check_page_shows_title_and_organisation_then_records(client, cutoff):
    proposal = submitted_proposal(cutoff, title="Tiny LLM for tractors")
    reviewer = pool_reviewer(cutoff.call)
    client.force_login(reviewer)
    home = client.get(reverse("reviews:reviewer_home")).content.decode()
    assert "Tiny LLM for tractors" in home
    url = reverse("reviews:conflict_check", kwargs={"pk": proposal.pk})
    page = client.get(url).content.decode()
    assert "Tiny LLM for tractors" in page and proposal.organisation.legal_name in page
    assert proposal.abstract not in page
    client.post(url, {"action": "none"})
    assert may_read_proposal(reviewer, proposal)
    assert (
        "Tiny LLM for tractors" not in client.get(reverse("reviews:reviewer_home")).content.decode()
    )


def test_declaring_on_the_check_page_keeps_the_input_on_error(client, cutoff):
    proposal = submitted_proposal(cutoff)
    reviewer = pool_reviewer(cutoff.call)
    client.force_login(reviewer)
    url = reverse("reviews:conflict_check", kwargs={"pk": proposal.pk})
    response = client.post(url, {"action": "declare", "type": "nonsense", "note": "kept note"})
    assert response.status_code == 200 and "kept note" in response.content.decode()
    client.post(url, {"action": "declare", "type": "collaboration", "note": "Joint paper"})
    assert DeclaredConflict.objects.get().note == "Joint paper"
    # Conflicted now: the proposal is hidden from them.
    assert client.get(url).status_code == 404


def test_a_conflicted_reviewer_never_sees_the_title(client, cutoff):
    proposal = submitted_proposal(cutoff, title="Secret fusion model")
    reviewer = pool_reviewer(cutoff.call)
    MembershipFactory(organisation=proposal.organisation, user=reviewer)
    conflicts_detect(cutoff=cutoff)
    client.force_login(reviewer)
    assert (
        "Secret fusion model" not in client.get(reverse("reviews:reviewer_home")).content.decode()
    )
    assert (
        client.get(reverse("reviews:conflict_check", kwargs={"pk": proposal.pk})).status_code == 404
    )


@pytest.mark.parametrize("who", ["applicant", "assessor", "other_reviewer", "superuser", "officer"])
def test_only_pool_reviewers_reach_the_check_page(client, cutoff, who):
    proposal = submitted_proposal(cutoff)
    user = {
        "applicant": lambda: proposal.created_by,
        "assessor": lambda: CentreMembershipFactory().user,
        "other_reviewer": lambda: pool_reviewer(large_scale_cutoff().call),
        "superuser": lambda: UserFactory(is_superuser=True, is_staff=True),
        "officer": ProgrammeOfficerFactory,
    }[who]()
    client.force_login(user)
    url = reverse("reviews:conflict_check", kwargs={"pk": proposal.pk})
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "none"}).status_code == 404


def test_the_officer_runs_detection_and_decides_on_the_page(client, cutoff):
    proposal = submitted_proposal(cutoff)
    reviewer = pool_reviewer(cutoff.call)
    MembershipFactory(organisation=proposal.organisation, user=reviewer)
    client.force_login(ProgrammeOfficerFactory())
    url = reverse("reviews:cutoff_conflicts", kwargs={"pk": cutoff.pk})
    client.post(url)
    conflict = DetectedConflict.objects.get()
    assert "is a member of" in client.get(url).content.decode()
    decide = reverse("reviews:conflict_decide", kwargs={"pk": conflict.pk})
    response = client.post(decide, {"decision": "dismiss", "reason": ""}, follow=True)
    assert "required" in response.content.decode()
    client.post(decide, {"decision": "confirm", "reason": "Shareholder"})
    conflict.refresh_from_db()
    assert conflict.status == "confirmed" and conflict.reason == "Shareholder"


@pytest.mark.parametrize("who", ["applicant", "assessor", "reviewer", "superuser"])
def test_only_officers_reach_the_conflicts_list(client, cutoff, who):
    proposal = submitted_proposal(cutoff)
    user = {
        "applicant": lambda: proposal.created_by,
        "assessor": lambda: CentreMembershipFactory().user,
        "reviewer": lambda: pool_reviewer(cutoff.call),
        "superuser": lambda: UserFactory(is_superuser=True, is_staff=True),
    }[who]()
    client.force_login(user)
    url = reverse("reviews:cutoff_conflicts", kwargs={"pk": cutoff.pk})
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404


def _conflicts(cutoff, n: int) -> None:
    for _ in range(n):
        proposal = submitted_proposal(cutoff)
        reviewer = pool_reviewer(cutoff.call)
        MembershipFactory(organisation=proposal.organisation, user=reviewer)
    conflicts_detect(cutoff=cutoff)
    first = DetectedConflict.objects.first()
    detected_conflict_decide(
        conflict=first, by=ProgrammeOfficerFactory(), confirm=True, reason="Founder"
    )


@pytest.mark.parametrize("n", [1, 50])
def test_the_officers_conflicts_list_costs_the_same_for_1_and_50(
    client, cutoff, n, django_assert_num_queries
):
    _conflicts(cutoff, n)
    client.force_login(ProgrammeOfficerFactory())
    url = reverse("reviews:cutoff_conflicts", kwargs={"pk": cutoff.pk})
    client.get(url)  # warm the per-process caches (content types, sessions)
    with django_assert_num_queries(QUERIES_CONFLICT_LIST):
        assert client.get(url).status_code == 200
    api = reverse("reviews_api:cutoff_conflicts", kwargs={"id": cutoff.pk})
    client.get(api)
    with django_assert_num_queries(QUERIES_CONFLICT_API):
        response = client.get(api)
    assert response.status_code == 200 and len(response.json()) == n


QUERIES_CONFLICT_LIST = 8
QUERIES_CONFLICT_API = 5
