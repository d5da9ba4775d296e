"""The eligibility check: automatic items with their facts, the officer's outcome through the
one door, the held refusal mail, bulk "mark eligible", the call's checklist, and who may do it."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from applications.models import Proposal
from applications.services.decision_mails import cutoff_mail_batch
from applications.services.proposals import proposal_submit
from portal.activity_actions import applicant_wording
from portal.models import Activity, Notification
from reviews.models import EligibilityCheck, EligibilityCriterion
from reviews.services.eligibility import (
    eligibility_bulk_candidates,
    eligibility_bulk_mark_eligible,
    eligibility_checklist_ensure,
    eligibility_decide,
    eligibility_item_add,
    eligibility_item_move,
    eligibility_item_remove,
    eligibility_results,
)
from tests.factories import (
    CentreMembershipFactory,
    CutOffFactory,
    OrganisationFactory,
    ProgrammeOfficerFactory,
    ReviewerFactory,
    SubmittableProposalFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _staff_without_totp(settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False


@pytest.fixture
def officer():
    return ProgrammeOfficerFactory()


def _submitted(**kwargs):
    proposal = SubmittableProposalFactory(**kwargs)
    return proposal_submit(proposal=proposal, by=proposal.created_by)


def _results(proposal):
    criteria = eligibility_checklist_ensure(call=proposal.call)
    return {
        r.criterion.code or r.criterion.label: r
        for r in eligibility_results(proposal=proposal, criteria=criteria)
    }


# --- automatic items ----------------------------------------------------------------------------


def test_a_call_gets_the_default_checklist_once():
    proposal = _submitted()
    first = eligibility_checklist_ensure(call=proposal.call)
    again = eligibility_checklist_ensure(call=proposal.call)
    assert [c.pk for c in first] == [c.pk for c in again]
    codes = [c.code for c in first if c.kind == "auto"]
    assert codes == [
        "country",
        "organisation_kind",
        "sections_complete",
        "civilian_use",
        "single_open_proposal",
    ]
    assert any(c.kind == "manual" for c in first)


def test_a_complete_proposal_of_a_young_sme_passes_every_automatic_item():
    results = _results(_submitted())
    for code in ("country", "organisation_kind", "sections_complete", "civilian_use"):
        assert results[code].passed is True, (code, results[code].facts)
    assert results["single_open_proposal"].passed is True
    assert "Germany (DE)" in results["country"].facts[0]
    assert "12 employees" in results["organisation_kind"].facts[0]
    assert "Startup" in results["organisation_kind"].facts[2]


def test_each_automatic_item_fails_on_its_own_fact():
    proposal = _submitted()
    # Facts that changed after submission (the submission refuses them), or slipped past it.
    other = _submitted(cutoff=proposal.cutoff)
    Proposal.objects.filter(pk=other.pk).update(organisation=proposal.organisation)
    call = proposal.call
    call.eligible_countries = ["FR", "IT"]
    call.save()
    org = proposal.organisation
    org.employees = 900  # not an SME
    org.save()
    proposal.civilian_use_confirmed = False
    proposal.save()
    proposal.refresh_from_db()
    results = _results(proposal)
    assert results["country"].passed is False
    assert "not in the call's list" in results["country"].facts[0]
    assert results["organisation_kind"].passed is False
    assert "Large" in " ".join(results["organisation_kind"].facts)
    assert results["civilian_use"].passed is False
    assert results["sections_complete"].passed is False
    assert any("Data and ethics" in f for f in results["sections_complete"].facts)
    assert results["single_open_proposal"].passed is False
    assert other.reference in results["single_open_proposal"].facts[0]


def test_a_proposal_of_another_cutoff_is_not_counted_as_open_at_this_one():
    proposal = _submitted()
    _submitted(organisation=proposal.organisation)  # its own cut-off
    assert _results(proposal)["single_open_proposal"].passed is True


# --- the outcome --------------------------------------------------------------------------------


def test_eligible_goes_through_the_door_and_is_recorded(officer):
    proposal = _submitted()
    manual = [c for c in eligibility_checklist_ensure(call=proposal.call) if c.kind == "manual"]
    check = eligibility_decide(
        proposal=proposal, outcome="eligible", by=officer, ticked=[manual[0].pk]
    )
    proposal.refresh_from_db()
    assert proposal.status == "eligible"
    assert check.checked_by == officer and check.outcome == "eligible" and not check.reason
    snapshot = {i["label"]: i for i in check.items}
    assert snapshot[manual[0].label]["passed"] is True
    assert snapshot[manual[1].label]["passed"] is False
    assert all(i["passed"] for i in check.items if i["kind"] == "auto")
    entry = Activity.objects.get(verb="proposal.declare_eligible")
    assert entry.actor == officer and entry.to_state == "eligible"
    assert not Notification.objects.filter(batch=cutoff_mail_batch(proposal.cutoff)).exists()


def test_ineligible_needs_a_reason_and_changes_nothing_without_one(officer):
    proposal = _submitted()
    with pytest.raises(ValidationError) as err:
        eligibility_decide(proposal=proposal, outcome="ineligible", by=officer, reason="  ")
    assert "reason" in err.value.message_dict
    with pytest.raises(ValidationError):
        eligibility_decide(proposal=proposal, outcome="ineligible", by=officer, reason="x" * 2001)
    proposal.refresh_from_db()
    assert proposal.status == "submitted"
    assert not EligibilityCheck.objects.exists()


def test_ineligible_holds_the_refusal_mail_with_the_reason_and_words_the_timeline(officer):
    proposal = _submitted()
    reason = "The organisation is registered outside the participating countries."
    eligibility_decide(proposal=proposal, outcome="ineligible", by=officer, reason=reason)
    proposal.refresh_from_db()
    assert proposal.status == "ineligible"
    mails = Notification.objects.filter(batch=cutoff_mail_batch(proposal.cutoff))
    assert mails.exists()
    for mail in mails:
        assert mail.status == Notification.Status.HELD
        assert reason in mail.body_text
        assert officer.display_name not in mail.body_text
    entry = Activity.objects.get(verb="proposal.declare_ineligible")
    wording = applicant_wording(entry.verb, actor_name=officer.display_name, data=entry.data)
    assert reason in wording and officer.display_name not in wording
    assert EligibilityCheck.objects.get(proposal=proposal).reason == reason


def test_only_programme_officers_decide(officer):
    proposal = _submitted()
    superuser = UserFactory(is_superuser=True, is_staff=True)
    for user in (proposal.created_by, superuser, ReviewerFactory()):
        with pytest.raises(PermissionDenied):
            eligibility_decide(proposal=proposal, outcome="eligible", by=user)
    proposal.refresh_from_db()
    assert proposal.status == "submitted"


def test_a_decided_proposal_cannot_be_decided_again(officer):
    proposal = _submitted()
    eligibility_decide(proposal=proposal, outcome="eligible", by=officer)
    with pytest.raises(ValidationError):
        eligibility_decide(proposal=proposal, outcome="ineligible", by=officer, reason="No.")
    assert EligibilityCheck.objects.count() == 1


def test_bulk_marks_eligible_only_those_whose_automatic_items_pass(officer):
    cutoff = CutOffFactory()
    good = [_submitted(cutoff=cutoff) for _ in range(2)]
    bad = _submitted(cutoff=cutoff)
    bad.civilian_use_confirmed = False
    bad.save()
    awaiting = [*good, bad]
    assert {p.pk for p in eligibility_bulk_candidates(proposals=awaiting)} == {p.pk for p in good}
    checks = eligibility_bulk_mark_eligible(proposals=awaiting, by=officer)
    assert {c.proposal_id for c in checks} == {p.pk for p in good}
    assert all(c.in_bulk for c in checks)
    bad.refresh_from_db()
    assert bad.status == "submitted"


# --- the checklist ------------------------------------------------------------------------------


def test_officer_adds_moves_and_removes_manual_items_but_not_automatic_ones(officer):
    proposal = _submitted()
    call = proposal.call
    item = eligibility_item_add(call=call, label="The founders signed the declaration", by=officer)
    assert eligibility_checklist_ensure(call=call)[-1] == item
    eligibility_item_move(criterion=item, up=True, by=officer)
    assert eligibility_checklist_ensure(call=call)[-2] == item
    auto = call.eligibility_criteria.filter(kind="auto").first()
    with pytest.raises(ValidationError):
        eligibility_item_remove(criterion=auto, by=officer)
    eligibility_item_remove(criterion=item, by=officer)
    assert not EligibilityCriterion.objects.filter(pk=item.pk).exists()
    verbs = list(Activity.objects.order_by("pk").values_list("verb", "audience"))
    assert [v for v in verbs if v[0].startswith("eligibility_item.")] == [
        ("eligibility_item.add", "staff"),
        ("eligibility_item.move", "staff"),
        ("eligibility_item.remove", "staff"),
    ]
    with pytest.raises(ValidationError):
        eligibility_item_add(call=call, label="", by=officer)
    with pytest.raises(PermissionDenied):
        eligibility_item_add(call=call, label="Anything", by=proposal.created_by)


# --- pages --------------------------------------------------------------------------------------


def test_officer_records_an_ineligible_outcome_from_the_page(client, officer):
    proposal = _submitted()
    client.force_login(officer)
    url = reverse("reviews:eligibility_proposal", args=[proposal.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Germany (DE)" in page.content.decode()
    manual = proposal.call.eligibility_criteria.filter(kind="manual").first()
    # Bad input: no reason. A clear error, the tick and the choice kept, nothing decided.
    response = client.post(url, {"outcome": "ineligible", "reason": "", "ticked": [manual.pk]})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Give the reason the applicant will read" in body
    assert f'value="{manual.pk}" id="tick-{manual.pk}" checked' in body
    proposal.refresh_from_db()
    assert proposal.status == "submitted"
    response = client.post(url, {"outcome": "ineligible", "reason": "Not an SME."})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == "ineligible"
    page = client.get(url).content.decode()
    assert "Not eligible" in page and "Not an SME." in page


def test_bulk_asks_for_confirmation_then_marks_the_listed(client, officer):
    cutoff = CutOffFactory()
    good = _submitted(cutoff=cutoff)
    bad = _submitted(cutoff=cutoff)
    bad.civilian_use_confirmed = False
    bad.save()
    client.force_login(officer)
    url = reverse("reviews:eligibility_bulk", args=[cutoff.pk])
    confirm = client.post(url)
    assert confirm.status_code == 200
    body = confirm.content.decode()
    assert good.reference in body and bad.reference not in body
    good.refresh_from_db()
    assert good.status == "submitted"
    done = client.post(url, {"confirm": "yes", "proposal": [good.pk, bad.pk]})
    assert done.status_code == 302
    good.refresh_from_db()
    bad.refresh_from_db()
    assert (good.status, bad.status) == ("eligible", "submitted")


def test_checklist_page_keeps_a_too_long_label_with_an_error(client, officer):
    proposal = _submitted()
    client.force_login(officer)
    url = reverse("reviews:eligibility_checklist", args=[proposal.call_id])
    response = client.post(url, {"label": "x" * 201})
    assert response.status_code == 400
    assert "x" * 201 in response.content.decode()
    assert client.post(url, {"label": "Signed declaration"}).status_code == 302
    assert proposal.call.eligibility_criteria.filter(label="Signed declaration").exists()


def test_the_cutoff_view_links_to_the_eligibility_list(client, officer):
    proposal = _submitted()
    client.force_login(officer)
    page = client.get(reverse("applications:officer_cutoff", args=[proposal.cutoff_id]))
    assert reverse("reviews:eligibility_cutoff", args=[proposal.cutoff_id]) in page.content.decode()


def test_nobody_but_programme_officers_reaches_the_pages(client):
    proposal = _submitted()
    item = eligibility_checklist_ensure(call=proposal.call)[-1]
    assessor = CentreMembershipFactory(role="technical_assessor").user
    centre_admin = CentreMembershipFactory(role="admin").user
    superuser = UserFactory(is_superuser=True, is_staff=True)
    gets = [
        reverse("reviews:eligibility_proposal", args=[proposal.pk]),
        reverse("reviews:eligibility_cutoff", args=[proposal.cutoff_id]),
        reverse("reviews:eligibility_checklist", args=[proposal.call_id]),
    ]
    posts = [
        reverse("reviews:eligibility_bulk", args=[proposal.cutoff_id]),
        reverse("reviews:eligibility_item_remove", args=[item.pk]),
        reverse("reviews:eligibility_item_move", args=[item.pk]),
        gets[0],
    ]
    for user in (proposal.created_by, ReviewerFactory(), assessor, centre_admin, superuser):
        client.force_login(user)
        for url in gets:
            assert client.get(url).status_code in (403, 404), (user, url)
        for url in posts:
            assert client.post(url, {"outcome": "eligible", "confirm": "yes"}).status_code in (
                403,
                404,
            ), (user, url)
    proposal.refresh_from_db()
    assert proposal.status == "submitted"
    assert EligibilityCriterion.objects.filter(pk=item.pk).exists()


def test_a_draft_has_no_eligibility_page(client, officer):
    draft = SubmittableProposalFactory()
    client.force_login(officer)
    url = reverse("reviews:eligibility_proposal", args=[draft.pk])
    assert client.get(url).status_code == 404


def _queries(client, cutoff) -> int:
    url = reverse("reviews:eligibility_cutoff", args=[cutoff.pk])
    client.get(url)  # the checklist is seeded on the first visit
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_the_cutoff_list_costs_the_same_queries_for_1_and_20_rows(client, officer):
    client.force_login(officer)
    one = CutOffFactory()
    _submitted(cutoff=one)
    many = CutOffFactory()
    for _ in range(20):
        _submitted(cutoff=many, organisation=OrganisationFactory())
    page = client.get(reverse("reviews:eligibility_cutoff", args=[many.pk])).content.decode()
    assert page.count("badge text-bg-success") == 20
    assert (
        OrganisationFactory._meta.model.objects.filter(proposals__cutoff=many).first().legal_name
        in page
    )
    assert _queries(client, one) == _queries(client, many)


# --- API ----------------------------------------------------------------------------------------


def _api(client, user, proposal, body):
    client.force_login(user)
    return client.post(
        f"/api/v1/proposals/{proposal.pk}/eligibility/", body, content_type="application/json"
    )


def test_api_records_the_outcome_for_officers(client, officer):
    proposal = _submitted()
    response = _api(client, officer, proposal, {"outcome": "ineligible", "reason": ""})
    assert response.status_code == 400 and "reason" in response.json()
    response = _api(client, officer, proposal, {"outcome": "ineligible", "reason": "Not an SME."})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["outcome"] == "ineligible" and body["reason"] == "Not an SME."
    assert body["checked_at"].endswith("Z")
    assert {i["code"] for i in body["items"] if i["kind"] == "auto"} >= {"country"}
    proposal.refresh_from_db()
    assert proposal.status == "ineligible"
    again = _api(client, officer, proposal, {"outcome": "eligible"})
    assert again.status_code == 400


def test_api_refuses_everyone_else(client):
    proposal = _submitted()
    superuser = UserFactory(is_superuser=True, is_staff=True)
    assessor = CentreMembershipFactory(role="technical_assessor").user
    for user in (proposal.created_by, superuser, ReviewerFactory(), assessor):
        assert _api(client, user, proposal, {"outcome": "eligible"}).status_code == 404
    client.logout()
    anonymous = client.post(
        f"/api/v1/proposals/{proposal.pk}/eligibility/",
        {"outcome": "eligible"},
        content_type="application/json",
    )
    assert anonymous.status_code in (401, 403)
    proposal.refresh_from_db()
    assert proposal.status == "submitted"
