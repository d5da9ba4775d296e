"""Object permissions of the applications app, attacked from the outside: another organisation's
user, a programme officer looking at drafts, ids of child objects moved between proposals, writes
to a submitted proposal, anonymous and cross-site (CSRF) posts, unpublished calls, downloads.

Every case is a negative one: it asserts the refusal (a 404 where the object must not be
revealed) and that nothing changed."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from applications.models import Proposal, ProposalStatus, ResourceRequest, TeamMember
from applications.services.proposals import (
    proposal_submit,
    proposal_withdraw,
    team_member_update,
)
from portal.models import Activity
from tests.factories import (
    AttachmentFactory,
    CallFactory,
    CallPartitionFactory,
    CutOffFactory,
    MembershipFactory,
    ProgrammeOfficerFactory,
    ProposalFactory,
    ResourceRequestFactory,
    SubmittableProposalFactory,
    UserFactory,
    pdf_bytes,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _throttle_free(settings):
    # The API's throttle counters live in the shared cache; these tests count nothing.
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}


def api_for(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def with_documents(proposal: Proposal) -> Proposal:
    """Give the proposal an attachment, a teammate with a CV, and a resource request."""
    AttachmentFactory(proposal=proposal, original_name="annex.pdf")
    teammate = MembershipFactory(organisation=proposal.organisation).user
    member = TeamMember.objects.create(
        proposal=proposal, user=teammate, role=TeamMember.Role.ENGINEER
    )
    member.cv.save("cv.pdf", ContentFile(pdf_bytes()), save=True)
    if not proposal.requests.exists():
        ResourceRequestFactory(proposal=proposal)
    return proposal


def child_urls(proposal: Proposal, *, member=None, attachment=None, request=None) -> dict:
    """Every page URL that names a child object of a proposal, for GET (read) or POST (write)."""
    member = member or proposal.team.exclude(role=TeamMember.Role.PI).first()
    attachment = attachment or proposal.attachments.first()
    request = request or proposal.requests.first()
    pk = proposal.pk
    return {
        "cv": ("get", reverse("applications:cv_download", args=[pk, member.pk])),
        "attachment": (
            "get",
            reverse("applications:attachment_download", args=[pk, attachment.pk]),
        ),
        "member_change": ("post", reverse("applications:team_member_change", args=[pk, member.pk])),
        "member_remove": ("post", reverse("applications:team_member_remove", args=[pk, member.pk])),
        "request_change": (
            "post",
            reverse("applications:resource_request_change", args=[pk, request.pk]),
        ),
        "request_delete": (
            "post",
            reverse("applications:resource_request_delete", args=[pk, request.pk]),
        ),
        "attachment_delete": (
            "post",
            reverse("applications:attachment_delete", args=[pk, attachment.pk]),
        ),
    }


def proposal_urls(proposal: Proposal) -> dict:
    """Every page URL of a proposal itself, with the method that reaches it."""
    pk = proposal.pk
    return {
        "detail": ("get", reverse("applications:proposal_detail", args=[pk])),
        "section": ("get", reverse("applications:proposal_section", args=[pk, "summary"])),
        "section_post": ("post", reverse("applications:proposal_section", args=[pk, "summary"])),
        "autosave": ("post", reverse("applications:proposal_autosave", args=[pk, "summary"])),
        "team_add": ("post", reverse("applications:team_member_add", args=[pk])),
        "request_add": ("post", reverse("applications:resource_request_add", args=[pk])),
        "estimate": ("get", reverse("applications:proposal_estimate", args=[pk])),
        "upload": ("post", reverse("applications:attachment_upload", args=[pk])),
        "pdf": ("get", reverse("applications:proposal_pdf", args=[pk])),
        "submit": ("get", reverse("applications:proposal_submit", args=[pk])),
        "submit_post": ("post", reverse("applications:proposal_submit", args=[pk])),
        "withdraw": ("get", reverse("applications:proposal_withdraw", args=[pk])),
        "withdraw_post": ("post", reverse("applications:proposal_withdraw", args=[pk])),
    }


def state_of(proposal: Proposal) -> tuple:
    proposal.refresh_from_db()
    return (
        proposal.status,
        proposal.version,
        proposal.title,
        proposal.pi_id,
        sorted(proposal.team.values_list("user_id", "role", "expertise")),
        sorted(proposal.requests.values_list("pk", "hours")),
        sorted(proposal.attachments.values_list("pk", flat=True)),
    )


def hit(client, method: str, url: str, data=None):
    if method == "get":
        return client.get(url)
    return client.post(url, data or {"title": "Taken over", "reason": "x", "version": 1})


def submitted_proposal(django_capture_on_commit_callbacks) -> Proposal:
    proposal = SubmittableProposalFactory(is_confidential=True)
    with_documents(proposal)
    with django_capture_on_commit_callbacks(execute=True):  # the PDF renders in process
        proposal_submit(proposal=proposal, by=proposal.created_by)
    proposal.refresh_from_db()
    return proposal


# --- another organisation's user ----------------------------------------------------------------


def test_another_organisations_user_gets_404_on_every_page_of_a_draft(client):
    draft = with_documents(ProposalFactory(complete=True))
    before = state_of(draft)
    client.force_login(MembershipFactory().user)
    for name, (method, url) in {**proposal_urls(draft), **child_urls(draft)}.items():
        response = hit(client, method, url)
        assert response.status_code == 404, name
    htmx = client.post(proposal_urls(draft)["autosave"][1], {"title": "x"}, **HTMX)
    assert htmx.status_code == 404
    assert state_of(draft) == before


def test_another_organisations_user_gets_404_on_a_submitted_proposal_and_its_documents(
    client, django_capture_on_commit_callbacks
):
    proposal = submitted_proposal(django_capture_on_commit_callbacks)
    before = state_of(proposal)
    client.force_login(MembershipFactory().user)
    for name, (method, url) in {**proposal_urls(proposal), **child_urls(proposal)}.items():
        assert hit(client, method, url).status_code == 404, name
    assert state_of(proposal) == before
    assert not Activity.objects.filter(verb="proposal.download").exists()


def test_another_organisations_user_gets_404_in_the_api(django_capture_on_commit_callbacks):
    draft = with_documents(ProposalFactory(complete=True))
    submitted = submitted_proposal(django_capture_on_commit_callbacks)
    api = api_for(MembershipFactory().user)
    for proposal in (draft, submitted):
        before = state_of(proposal)
        rr = proposal.requests.first()
        base = f"/api/v1/proposals/{proposal.pk}/"
        assert api.get(base).status_code == 404
        assert api.patch(base, {"title": "x", "version": 1}, format="json").status_code == 404
        assert api.post(base + "submit/").status_code == 404
        assert api.post(base + "withdraw/", {"reason": "x"}, format="json").status_code == 404
        assert api.get(base + "requests/").status_code == 404
        assert api.get(f"{base}requests/{rr.pk}/").status_code == 404
        assert api.patch(f"{base}requests/{rr.pk}/", {"hours": 1}, format="json").status_code == 404
        assert api.delete(f"{base}requests/{rr.pk}/").status_code == 404
        assert state_of(proposal) == before
    listed = api.get("/api/v1/proposals/").json()
    assert listed["results"] == []


# --- ids of children moved between proposals (IDOR) --------------------------------------------


def test_children_of_someone_elses_proposal_are_404_through_my_own_proposal(client):
    """The attacker owns proposal Y (a draft, so every write endpoint is open to them) and uses
    the ids of X's team member, request and attachment in Y's URLs."""
    victim = with_documents(ProposalFactory(complete=True))
    mine = ProposalFactory()
    CallPartitionFactory(call=mine.call)
    before = state_of(victim)
    client.force_login(mine.created_by)
    urls = child_urls(
        mine,
        member=victim.team.exclude(role=TeamMember.Role.PI).get(),
        attachment=victim.attachments.get(),
        request=victim.requests.get(),
    )
    for name, (method, url) in urls.items():
        assert hit(client, method, url).status_code == 404, name
    assert state_of(victim) == before
    assert not Activity.objects.filter(verb="proposal.download").exists()


def test_a_request_of_someone_elses_proposal_is_404_through_my_own_proposal_in_the_api():
    victim = with_documents(ProposalFactory(complete=True))
    mine = ProposalFactory()
    before = state_of(victim)
    api = api_for(mine.created_by)
    url = f"/api/v1/proposals/{mine.pk}/requests/{victim.requests.get().pk}/"
    assert api.get(url).status_code == 404
    assert api.patch(url, {"hours": 30000}, format="json").status_code == 404
    assert api.delete(url).status_code == 404
    assert state_of(victim) == before


def test_the_team_member_service_refuses_a_member_of_another_proposal():
    victim = with_documents(ProposalFactory(complete=True))
    mine = ProposalFactory()
    theirs = victim.team.exclude(role=TeamMember.Role.PI).get()
    with pytest.raises(Exception) as caught:
        team_member_update(proposal=mine, by=mine.created_by, member=theirs, expertise="Taken over")
    # A clear refusal, not a crash (DoesNotExist would be a server error on any caller's path).
    from django.core.exceptions import PermissionDenied, ValidationError

    assert isinstance(caught.value, PermissionDenied | ValidationError)
    theirs.refresh_from_db()
    assert theirs.expertise != "Taken over"


# --- team: nobody from outside the organisation --------------------------------------------------


def test_a_member_cannot_put_a_user_of_another_organisation_on_the_team(client):
    draft = ProposalFactory()
    outsider = MembershipFactory().user
    client.force_login(draft.created_by)
    response = client.post(
        reverse("applications:team_member_add", args=[draft.pk]),
        {"add-user": outsider.pk, "add-role": TeamMember.Role.ENGINEER, "add-expertise": "ML"},
    )
    assert response.status_code == 200  # the form again, with the error beside the field
    assert "Select a valid choice" in response.content.decode()
    assert not draft.team.filter(user=outsider).exists()


def test_a_non_member_cannot_add_anyone_to_the_team(client):
    draft = ProposalFactory()
    colleague = MembershipFactory(organisation=draft.organisation).user
    attacker = MembershipFactory().user
    client.force_login(attacker)
    for user in (attacker, colleague):
        response = client.post(
            reverse("applications:team_member_add", args=[draft.pk]),
            {"add-user": user.pk, "add-role": TeamMember.Role.PI, "add-expertise": ""},
        )
        assert response.status_code == 404
    assert list(draft.team.values_list("user_id", flat=True)) == [draft.created_by_id]
    draft.refresh_from_db()
    assert draft.pi_id == draft.created_by_id


# --- programme officers and drafts --------------------------------------------------------------


def test_an_officer_gets_404_on_every_page_and_document_of_a_draft(client):
    draft = with_documents(ProposalFactory(complete=True, is_confidential=True))
    before = state_of(draft)
    client.force_login(ProgrammeOfficerFactory())
    for name, (method, url) in {**proposal_urls(draft), **child_urls(draft)}.items():
        assert hit(client, method, url).status_code == 404, name
    assert state_of(draft) == before


def test_the_api_hides_drafts_from_an_officer():
    draft = ProposalFactory(complete=True)
    submitted = SubmittableProposalFactory()
    proposal_submit(proposal=submitted, by=submitted.created_by)
    api = api_for(ProgrammeOfficerFactory())
    listed = api.get("/api/v1/proposals/").json()
    assert [row["id"] for row in listed["results"]] == [submitted.pk]
    assert api.get("/api/v1/proposals/?status=draft").json()["results"] == []
    assert api.get(f"/api/v1/proposals/{draft.pk}/").status_code == 404
    assert api.get(f"/api/v1/proposals/{draft.pk}/requests/").status_code == 404


def test_a_draft_withdrawn_before_submission_stays_private_to_its_organisation(client):
    """Never submitted, so never the programme office's to read: not in its lists, not on its
    pages, not in the API."""
    draft = with_documents(ProposalFactory(complete=True, is_confidential=True))
    CutOffFactory(call=draft.call)
    proposal_withdraw(proposal=draft, by=draft.created_by, reason="We pivoted.")
    draft.refresh_from_db()
    assert draft.status == ProposalStatus.WITHDRAWN
    officer = ProgrammeOfficerFactory()
    client.force_login(officer)
    for name, (method, url) in {**proposal_urls(draft), **child_urls(draft)}.items():
        if method == "get":
            assert client.get(url).status_code == 404, name
    listing = client.get(reverse("applications:officer_cutoff", args=[draft.cutoff_id]))
    assert listing.status_code == 200
    assert draft.title not in listing.content.decode()
    everything = client.get(reverse("applications:officer_proposals"))
    assert draft.title not in everything.content.decode()
    api = api_for(officer)
    assert api.get(f"/api/v1/proposals/{draft.pk}/").status_code == 404
    assert api.get("/api/v1/proposals/?status=withdrawn").json()["results"] == []
    assert not Activity.objects.filter(verb="proposal.download").exists()
    # The organisation itself still sees it.
    client.force_login(draft.created_by)
    assert client.get(draft.get_absolute_url()).status_code == 200


def test_a_proposal_withdrawn_after_submission_is_still_read_by_officers(
    client, django_capture_on_commit_callbacks
):
    proposal = submitted_proposal(django_capture_on_commit_callbacks)
    proposal_withdraw(proposal=proposal, by=proposal.created_by, reason="Funding fell through.")
    client.force_login(ProgrammeOfficerFactory())
    assert client.get(proposal.get_absolute_url()).status_code == 200
    listing = client.get(reverse("applications:officer_cutoff", args=[proposal.cutoff_id]))
    assert proposal.title in listing.content.decode()


def test_an_officer_reads_a_submitted_proposal_but_cannot_change_it(
    client, django_capture_on_commit_callbacks
):
    proposal = submitted_proposal(django_capture_on_commit_callbacks)
    before = state_of(proposal)
    client.force_login(ProgrammeOfficerFactory())
    urls = {**proposal_urls(proposal), **child_urls(proposal)}
    for name, (method, url) in urls.items():
        response = hit(client, method, url)
        if method == "get":
            assert response.status_code in (200, 302), name
        else:
            assert response.status_code in (302, 403), name
    api = api_for(ProgrammeOfficerFactory())
    base = f"/api/v1/proposals/{proposal.pk}/"
    assert (
        api.patch(base, {"title": "x", "version": proposal.version}, format="json").status_code
        == 403
    )
    assert api.post(base + "withdraw/", {"reason": "x"}, format="json").status_code == 403
    assert state_of(proposal) == before


# --- nothing changes a submitted proposal -----------------------------------------------------


def test_no_path_changes_a_submitted_proposal(client, django_capture_on_commit_callbacks):
    proposal = submitted_proposal(django_capture_on_commit_callbacks)
    before = state_of(proposal)
    member = proposal.team.exclude(role=TeamMember.Role.PI).get()
    rr = proposal.requests.get()
    offered = rr.offered_partition
    client.force_login(proposal.created_by)
    pk = proposal.pk
    writes = [
        (reverse("applications:proposal_section", args=[pk, "summary"]), {"title": "Late"}),
        (reverse("applications:team_member_add", args=[pk]), {"add-role": "pi"}),
        (
            reverse("applications:team_member_change", args=[pk, member.pk]),
            {f"m{member.pk}-role": "pi", f"m{member.pk}-expertise": "Late"},
        ),
        (reverse("applications:team_member_remove", args=[pk, member.pk]), {}),
        (
            reverse("applications:resource_request_add", args=[pk]),
            {"new-offered_partition": offered.pk, "new-hours": "20000"},
        ),
        (
            reverse("applications:resource_request_change", args=[pk, rr.pk]),
            {f"r{rr.pk}-hours": "49000"},
        ),
        (reverse("applications:resource_request_delete", args=[pk, rr.pk]), {}),
        (
            reverse("applications:attachment_delete", args=[pk, proposal.attachments.get().pk]),
            {},
        ),
        (reverse("applications:proposal_submit", args=[pk]), {}),
    ]
    for url, data in writes:
        assert client.post(url, data).status_code in (302, 403), url
    upload = SimpleUploadedFile("late.pdf", pdf_bytes(), content_type="application/pdf")
    upload_url = reverse("applications:attachment_upload", args=[pk])
    assert client.post(upload_url, {"kind": "technical", "file": upload}).status_code == 403
    autosave = reverse("applications:proposal_autosave", args=[pk, "summary"])
    response = client.post(autosave, {"title": "Late", "version": proposal.version}, **HTMX)
    assert response.status_code == 403
    api = api_for(proposal.created_by)
    base = f"/api/v1/proposals/{pk}/"
    assert (
        api.patch(base, {"title": "Late", "version": proposal.version}, format="json").status_code
        == 403
    )
    assert api.post(base + "submit/").status_code in (400, 403)
    new_request = {
        "offered_partition": offered.pk,
        "hours": 20000,
        "job_size": 8,
        "duration_months": 3,
    }
    assert api.post(base + "requests/", new_request, format="json").status_code == 403
    assert api.patch(f"{base}requests/{rr.pk}/", {"hours": 49000}, format="json").status_code == 403
    assert api.put(f"{base}requests/{rr.pk}/", new_request, format="json").status_code == 403
    assert api.delete(f"{base}requests/{rr.pk}/").status_code == 403
    assert state_of(proposal) == before
    member.refresh_from_db()
    assert member.expertise != "Late"


def test_a_withdrawn_draft_cannot_be_edited(client):
    draft = ProposalFactory(complete=True)
    proposal_withdraw(proposal=draft, by=draft.created_by, reason="Not now.")
    before = state_of(draft)
    client.force_login(draft.created_by)
    section = reverse("applications:proposal_section", args=[draft.pk, "summary"])
    assert client.post(section, {"title": "Back"}).status_code == 403
    api = api_for(draft.created_by)
    patch = {"title": "Back", "version": draft.version}
    assert api.patch(f"/api/v1/proposals/{draft.pk}/", patch, format="json").status_code == 403
    assert state_of(draft) == before


# --- downloads are logged -----------------------------------------------------------------------


def test_each_confidential_download_is_in_the_activity_log(
    client, django_capture_on_commit_callbacks
):
    proposal = submitted_proposal(django_capture_on_commit_callbacks)
    officer = ProgrammeOfficerFactory()
    client.force_login(officer)
    urls = child_urls(proposal)
    for name in ("cv", "attachment"):
        response = client.get(urls[name][1])
        assert response.status_code == 200, name
        b"".join(response.streaming_content)
    assert client.get(reverse("applications:proposal_pdf", args=[proposal.pk])).status_code == 200
    logged = Activity.objects.filter(actor=officer, verb="proposal.download")
    assert sorted(a.data["document"] for a in logged) == [
        "CV",
        "attachment",
        "proposal PDF",
    ]
    assert all(a.data["confidential"] is True for a in logged)
    assert all(a.data["proposal"] == proposal.pk for a in logged)


# --- login and CSRF on every POST ---------------------------------------------------------------


def _every_post_url(proposal: Proposal, call) -> list[str]:
    cutoff = proposal.cutoff
    offered = proposal.requests.get().offered_partition
    urls = [url for method, url in proposal_urls(proposal).values() if method == "post"]
    urls += [url for method, url in child_urls(proposal).values() if method == "post"]
    urls += [
        reverse("applications:proposal_create", args=[call.slug]),
        reverse("applications:officer_call_create"),
        reverse("applications:officer_call_edit", args=[call.pk]),
        reverse("applications:officer_call_publication", args=[call.pk]),
        reverse("applications:officer_cutoff_add", args=[call.pk]),
        reverse("applications:officer_cutoff_schedule", args=[call.pk]),
        reverse("applications:officer_partition_add", args=[call.pk]),
        reverse("applications:officer_pools", args=[call.pk]),
        reverse("applications:officer_criterion_add", args=[call.pk]),
        reverse("applications:officer_cutoff_delete", args=[cutoff.pk]),
        reverse("applications:officer_partition_edit", args=[offered.pk]),
        reverse("applications:officer_partition_remove", args=[offered.pk]),
    ]
    return urls


def test_every_post_needs_a_login(client):
    draft = with_documents(ProposalFactory(complete=True))
    before = state_of(draft)
    for url in _every_post_url(draft, draft.call):
        response = client.post(url, {"title": "Anonymous"})
        assert response.status_code in (302, 401), url
        if response.status_code == 302:
            assert "/accounts/login/" in response["Location"], url
    assert (
        client.post(
            reverse("applications:proposal_autosave", args=[draft.pk, "summary"]), {}, **HTMX
        ).status_code
        == 401
    )
    assert state_of(draft) == before


def test_every_post_needs_the_csrf_token(django_capture_on_commit_callbacks):
    """A cross-site form posted with the victim's session is refused before any view runs."""
    draft = with_documents(ProposalFactory(complete=True))
    before = state_of(draft)
    owner = Client(enforce_csrf_checks=True)
    owner.force_login(draft.created_by)
    officer = Client(enforce_csrf_checks=True)
    officer.force_login(ProgrammeOfficerFactory())
    for url in _every_post_url(draft, draft.call):
        for client in (owner, officer):
            response = client.post(url, {"title": "Forged"})
            assert response.status_code == 403, url
            assert b"CSRF" in response.content, url
    api = APIClient(enforce_csrf_checks=True)
    api.force_login(draft.created_by)
    forged = {"title": "Forged", "version": draft.version}
    for response in (
        api.patch(f"/api/v1/proposals/{draft.pk}/", forged, format="json"),
        api.post(f"/api/v1/proposals/{draft.pk}/submit/"),
    ):
        assert response.status_code == 403
        assert "CSRF" in response.json()["detail"]
    assert state_of(draft) == before


# --- calls: unpublished ones are hidden; officer pages refuse others ---------------------------


def test_an_unpublished_call_is_hidden_from_the_public_pages_and_api(client):
    hidden = CallFactory(is_published=False, title="Secret call in preparation")
    CutOffFactory(call=hidden)
    CallPartitionFactory(call=hidden)
    for user in (None, MembershipFactory().user):
        if user is not None:
            client.force_login(user)
        assert hidden.title not in client.get(reverse("home")).content.decode()
        assert (
            client.get(reverse("applications:call_detail", args=[hidden.slug])).status_code == 404
        )
        apply = reverse("applications:proposal_create", args=[hidden.slug])
        assert client.get(apply).status_code in (302, 404)
        api = APIClient()
        if user is not None:
            api.force_authenticate(user)
        assert hidden.slug not in [c["slug"] for c in api.get("/api/v1/calls/").json()["results"]]
        assert api.get(f"/api/v1/calls/{hidden.slug}/").status_code == 404


def test_nobody_applies_to_an_unpublished_call():
    hidden = CallFactory(is_published=False)
    CutOffFactory(call=hidden)
    user = MembershipFactory().user
    api = api_for(user)
    response = api.post(
        "/api/v1/proposals/",
        {"call": hidden.slug, "organisation": user.organisations.get().pk},
        format="json",
    )
    assert response.status_code == 400
    assert not Proposal.objects.filter(call=hidden).exists()
    client = Client()
    client.force_login(user)
    apply = reverse("applications:proposal_create", args=[hidden.slug])
    assert client.post(apply, {"organisation": user.organisations.get().pk}).status_code == 404
    assert not Proposal.objects.filter(call=hidden).exists()


def test_officer_pages_refuse_everyone_else(client, django_capture_on_commit_callbacks):
    proposal = submitted_proposal(django_capture_on_commit_callbacks)
    call, cutoff = proposal.call, proposal.cutoff
    offered = proposal.requests.get().offered_partition
    criterion = call.criteria.first()
    object_pages = [
        reverse("applications:officer_call_setup", args=[call.pk]),
        reverse("applications:officer_call_edit", args=[call.pk]),
        reverse("applications:officer_cutoff", args=[cutoff.pk]),
        reverse("applications:officer_partition_edit", args=[offered.pk]),
    ]
    if criterion is not None:
        object_pages.append(reverse("applications:officer_criterion_edit", args=[criterion.pk]))
    lists = [
        reverse("applications:officer_calls"),
        reverse("applications:officer_call_create"),
        reverse("applications:officer_proposals"),
    ]
    cutoffs_before = call.cutoffs.count()
    for user in (proposal.created_by, MembershipFactory().user, UserFactory()):
        client.force_login(user)
        for url in object_pages:
            response = client.get(url)
            assert response.status_code == 404, url
            assert proposal.title not in response.content.decode()
        for url in lists:
            response = client.get(url)
            assert response.status_code in (403, 404), url
            assert proposal.title not in response.content.decode()
        delete = reverse("applications:officer_cutoff_delete", args=[cutoff.pk])
        assert client.post(delete).status_code == 404
        publication = reverse("applications:officer_call_publication", args=[call.pk])
        assert client.post(publication, {"action": "unpublish"}).status_code == 404
    call.refresh_from_db()
    assert call.is_published
    assert call.cutoffs.count() == cutoffs_before


def test_anonymous_visitors_are_sent_to_log_in_from_officer_pages(client):
    cutoff = CutOffFactory()
    response = client.get(reverse("applications:officer_cutoff", args=[cutoff.pk]))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_officer_cutoff_list_never_shows_drafts(client):
    cutoff = CutOffFactory()
    draft = ProposalFactory(cutoff=cutoff, title="Unsent draft of a rival", complete=True)
    ResourceRequestFactory(proposal=draft, hours=Decimal("45000"))
    client.force_login(ProgrammeOfficerFactory())
    response = client.get(reverse("applications:officer_cutoff", args=[cutoff.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Unsent draft of a rival" not in page
    assert "45,000" not in page and "45000" not in page
    filtered = client.get(
        reverse("applications:officer_cutoff", args=[cutoff.pk]), {"status": "draft"}
    )
    assert "Unsent draft of a rival" not in filtered.content.decode()
    assert ResourceRequest.objects.filter(proposal=draft).exists()
