"""Staff actions never reach applicants; a superuser is not a role."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import override_settings
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from applications.forms.proposals import SECTIONS
from applications.models import Proposal, ProposalStatus
from applications.services.proposals import proposal_transition, proposal_withdraw
from portal.activity_actions import ACTIONS, Audience, staff_wording
from portal.models import Activity, Notification
from tests.applications.test_security_audit import submitted_proposal, with_documents
from tests.factories import (
    ProgrammeOfficerFactory,
    ProposalFactory,
    SubmittableProposalFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _api(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return ""
    return response.content.decode(errors="replace")


def everything_the_applicant_reaches(client, proposal, *, extra_pages=(), extra_api=()):
    """(where, text) of every page, API answer and mail the proposal's creator can reach about
    it, read as them: their pages, the proposal's sections, the API detail and timeline, and
    every mail to its team."""
    applicant = proposal.created_by
    client.force_login(applicant)
    pages = [
        reverse("applications:dashboard"),
        proposal.get_absolute_url(),
        reverse("applications:proposal_withdraw", args=[proposal.pk]),
        reverse("portal:notifications"),
        reverse("portal:organisation_detail", args=[proposal.organisation_id]),
        reverse("home"),
        *(
            reverse("applications:proposal_section", args=[proposal.pk, section.key])
            for section in SECTIONS
        ),
    ]
    seen = []
    for url in pages:
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        seen.append((url, _body(response)))
    for url in extra_pages:  # pages that must answer them a 404 and say nothing
        response = client.get(url)
        assert response.status_code == 404, url
        seen.append((url, _body(response)))
    api = _api(applicant)
    for url in (
        "/api/v1/proposals/",
        f"/api/v1/proposals/{proposal.pk}/",
        f"/api/v1/proposals/{proposal.pk}/timeline/",
        f"/api/v1/proposals/{proposal.pk}/requests/",
    ):
        response = api.get(url)
        assert response.status_code == 200, url
        seen.append((url, _body(response)))
    for url in extra_api:
        response = api.get(url)
        assert response.status_code == 404, url
        seen.append((url, _body(response)))
    team_emails = {applicant.email, *proposal.team.values_list("user__email", flat=True)}
    mails = Notification.objects.filter(to_email__in=team_emails)
    assert mails.exists()
    for mail in mails:
        seen.append(
            (f"mail {mail.template}", f"{mail.subject}\n{mail.body_text}\n{mail.body_html}")
        )
    from django.core import mail as sent

    for message in sent.outbox:  # what was delivered, attachments' names included
        if team_emails & set(message.to):
            parts = [message.subject, message.body]
            parts += [str(content) for content, _ in getattr(message, "alternatives", [])]
            parts += [str(a[0]) for a in message.attachments if isinstance(a, tuple)]
            seen.append((f"sent mail {message.subject}", "\n".join(parts)))
    return seen


# --- the applicant's timeline and the audit log ----------------------------------------------


@override_settings(PORTAL_STAFF_MFA_REQUIRED=False)
def test_applicant_pages_mails_and_api_never_show_a_staff_action(
    client, django_capture_on_commit_callbacks
):
    proposal = submitted_proposal(django_capture_on_commit_callbacks)
    officer = ProgrammeOfficerFactory(first_name="Olga", last_name="Offizierin")
    client.force_login(officer)
    document_urls = [
        reverse("applications:proposal_pdf", args=[proposal.pk]),
        reverse(
            "applications:attachment_download",
            args=[proposal.pk, proposal.attachments.first().pk],
        ),
        reverse(
            "applications:cv_download",
            args=[proposal.pk, proposal.team.exclude(cv="").first().pk],
        ),
    ]
    for url in document_urls:
        response = client.get(url)
        assert response.status_code == 200
        b"".join(response.streaming_content)
    with django_capture_on_commit_callbacks(execute=True):
        proposal_transition(proposal=proposal, action="declare_eligible", by=officer)
    staff_entries = Activity.objects.filter(audience=Audience.STAFF, object_id=str(proposal.pk))
    assert staff_entries.filter(verb="proposal.download").count() == 3
    staff_texts = {
        staff_wording(e.verb, actor_name=officer.display_name, data=e.data) for e in staff_entries
    }
    # What an officer reads of the same proposal (the audit trail) does show them.
    officer_view = _body(client.get(proposal.get_absolute_url()))
    assert all(text in officer_view for text in staff_texts), staff_texts

    forbidden = [*staff_texts, "Offizierin", "downloaded"]
    seen = everything_the_applicant_reaches(client, proposal)

    timeline = dict(seen)[f"/api/v1/proposals/{proposal.pk}/timeline/"]
    assert "The programme office found the proposal eligible" in timeline  # meant for them
    assert "submitted the proposal" in timeline
    for where, text in seen:
        for words in forbidden:
            assert words not in text, f"{words!r} reached the applicant on {where}"


def test_every_workflow_action_has_applicant_wording_and_staff_codes_never_do():
    from applications.workflow import WORKFLOWS

    actions = {
        t.action for wf in WORKFLOWS.values() for p in wf.phases.values() for t in p.transitions
    }
    for action in actions:
        row = ACTIONS[f"proposal.{action}"]
        assert row.audience == Audience.APPLICANT and row.applicant
        assert "{actor}" not in row.applicant or action in {
            "submit",
            "withdraw",
            "accept",
            "decline",
        }, f"proposal.{action}: an applicant must not read the name of the staff who acted"
    assert ACTIONS["proposal.download"].audience == Audience.STAFF


def test_every_action_code_written_in_the_tree_is_in_the_table():
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    missing = []
    for app in ("portal", "allocations", "applications", "reviews"):
        for path in root.joinpath(app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if not (isinstance(node, ast.Call) and ast.unparse(node.func) == "activity_record"):
                    continue
                for keyword in node.keywords:
                    # The door's f"proposal.{action}" codes are checked against the workflow above.
                    if keyword.arg != "verb" or isinstance(keyword.value, ast.JoinedStr):
                        continue
                    for constant in ast.walk(keyword.value):
                        code = getattr(constant, "value", None)
                        known = not isinstance(code, str) or code in ACTIONS
                        if isinstance(constant, ast.Constant) and not known:
                            missing.append(f"{path.relative_to(root)}: {code}")
    assert missing == []


def test_an_unknown_code_is_for_staff_only():
    from portal.services.activity import activity_record

    entry = activity_record(actor=None, verb="something.new", target=ProposalFactory())
    assert entry.audience == Audience.STAFF


# --- a superuser is not a role ---------------------------------------------------------------


@pytest.fixture
def superuser():
    return UserFactory(is_superuser=True, is_staff=True)


def test_a_superuser_who_is_not_a_member_cannot_withdraw_or_edit_through_the_services(superuser):
    proposal = SubmittableProposalFactory()
    from applications.services.proposals import proposal_submit, proposal_update

    for name in (
        "applications.view_proposal",
        "applications.change_proposal",
        "applications.submit_proposal",
        "applications.withdraw_proposal",
        "applications.view_attachment",
        "applications.manage_calls",
        "applications.view_cutoff_submissions",
        "portal.manage_failed_work",
    ):
        # manage_failed_work follows the staff flag (site administrators), not the superuser one.
        expected = name == "portal.manage_failed_work"
        assert superuser.has_perm(name, proposal) is expected, name
    with pytest.raises(PermissionDenied):
        proposal_update(proposal=proposal, by=superuser, data={"title": "x"}, expected_version=None)
    with pytest.raises(PermissionDenied):
        proposal_submit(proposal=proposal, by=superuser)
    proposal_submit(proposal=proposal, by=proposal.created_by)
    with pytest.raises(PermissionDenied):
        proposal_withdraw(proposal=proposal, by=superuser, reason="Because I can.")
    with pytest.raises(PermissionDenied):
        proposal_transition(proposal=proposal, action="declare_eligible", by=superuser)
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.SUBMITTED


@override_settings(PORTAL_STAFF_MFA_REQUIRED=False)
def test_a_superuser_who_is_not_a_member_cannot_withdraw_or_edit_in_pages(client, superuser):
    draft = with_documents(SubmittableProposalFactory())
    client.force_login(superuser)
    for section in SECTIONS:
        url = reverse("applications:proposal_section", args=[draft.pk, section.key])
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"title": "Taken over"}).status_code == 404, url
    assert client.post(reverse("applications:proposal_submit", args=[draft.pk])).status_code == 404
    withdraw = reverse("applications:proposal_withdraw", args=[draft.pk])
    assert client.get(withdraw).status_code == 404
    assert client.post(withdraw, {"reason": "Because I can."}).status_code == 404
    assert client.get(draft.get_absolute_url()).status_code == 404
    draft.refresh_from_db()
    assert draft.status == ProposalStatus.DRAFT and draft.title != "Taken over"
    # The Django admin remains the superuser's place.
    assert client.get(reverse("admin:applications_proposal_changelist")).status_code == 200
    assert (
        client.get(reverse("admin:applications_proposal_change", args=[draft.pk])).status_code
        == 200
    )


def test_a_superuser_who_is_not_a_member_cannot_withdraw_or_edit_through_the_api(superuser):
    proposal = SubmittableProposalFactory()
    api = _api(superuser)
    assert api.get("/api/v1/proposals/").json()["results"] == []
    assert api.get(f"/api/v1/proposals/{proposal.pk}/").status_code == 404
    patch = api.patch(
        f"/api/v1/proposals/{proposal.pk}/", {"title": "Taken over", "version": 1}, format="json"
    )
    assert patch.status_code == 404
    assert api.post(f"/api/v1/proposals/{proposal.pk}/submit/").status_code == 404
    response = api.post(
        f"/api/v1/proposals/{proposal.pk}/withdraw/", {"reason": "Because I can."}, format="json"
    )
    assert response.status_code == 404
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.DRAFT and proposal.title != "Taken over"
