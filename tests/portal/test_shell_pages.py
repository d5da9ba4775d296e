"""Every page of every role lives in the same shell: the role's menu and the unread badge.

The test walks the URL list itself (django.urls resolver), so a new route is walked as soon as it
exists; a route whose arguments it does not know fails the test until ROUTE_ARGUMENTS learns them.
"""

import dataclasses
import re
import uuid
from datetime import date

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from applications.models import ClosureDay, TeamMember
from portal.context_processors import SHELL_CONTEXT_NAME, ShellNavigation
from portal.models import Membership, Notification
from reviews.models import EligibilityCriterion, TechnicalAssessment
from tests.factories import (
    AttachmentFactory,
    CallPartitionFactory,
    CentreMembershipFactory,
    CutOffFactory,
    EvaluationCriterionFactory,
    InvitationFactory,
    PartitionFactory,
    ProgrammeOfficerFactory,
    ProposalFactory,
    ResourceRequestFactory,
    ReviewerFactory,
    SubmittableProposalFactory,
    UserFactory,
    advance,
)
from tests.factories.portal import give_totp

pytestmark = pytest.mark.django_db

ENTRIES = (
    "My proposals",
    "Workspace",
    "Manage calls",
    "Centres",
    "Assessments",
    "Reviews",
    "Failed work",
    "Site admin",
    "Notifications",
)

# Not pages of the shell: Django's admin has its own, the API answers JSON (its docs page is
# Swagger UI's), the health check is plain text.
OUTSIDE_THE_SHELL = (
    "admin:",
    "applications_api:",
    "reviews_api:",
    "api-schema",
    "api-docs",
    "healthz",
)

# Routes that answer a file rather than a page (when the file exists; else the 404 page).
# Form actions that take POST only answer a GET with an empty 405.
NOT_PAGES = {
    "applications:cv_download",
    "applications:attachment_download",
    "applications:proposal_pdf",
    "mfa_download_recovery_codes",
}
# htmx endpoints whose GET answers a piece of a page, swapped into the page that asked.
FRAGMENTS = {"applications:proposal_estimate"}
# Documents shown inside a sandboxed frame of a page (a held mail's HTML version), not pages.
FRAMED_DOCUMENTS = {"applications:officer_cutoff_mail_preview"}


def _named_routes(patterns=None, namespace=""):
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _named_routes(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry


def _world():
    """One of everything a route can name, reachable by the applicant who owns it."""
    applicant = UserFactory(first_name="Ada", last_name="Applicant")
    proposal = ProposalFactory(created_by=applicant, complete=True)
    organisation = proposal.organisation
    Membership.objects.filter(organisation=organisation, user=applicant).update(
        role=Membership.Role.OWNER
    )
    teammate = TeamMember.objects.create(
        proposal=proposal, user=UserFactory(), role=TeamMember.Role.ENGINEER
    )
    member = Membership.objects.create(organisation=organisation, user=teammate.user)
    request = ResourceRequestFactory(proposal=proposal)
    attachment = AttachmentFactory(proposal=proposal)
    invitation = InvitationFactory(organisation=organisation, invited_by=applicant)
    call = proposal.call
    cutoff = CutOffFactory(call=call)
    criterion = EvaluationCriterionFactory(call=call)
    closure_day = ClosureDay.objects.create(date=date(2026, 12, 28), reason="Office closed")
    centre_admin = CentreMembershipFactory(administrator=True)
    centre = centre_admin.centre
    partition = PartitionFactory(centre=centre)
    offered = CallPartitionFactory(call=call, partition=partition)
    assessor = CentreMembershipFactory(centre=centre)
    assessment = TechnicalAssessment.objects.create(
        request=ResourceRequestFactory(proposal=proposal, offered_partition=offered),
        proposal=proposal,
        centre=centre,
        deadline=timezone.now(),
    )
    held_mail = Notification.objects.create(
        recipient=applicant,
        to_email=applicant.email,
        template="test",
        subject="Decision on your proposal",
        body_text="Held for review.",
        body_html="<p>Held for review.</p>",
        status=Notification.Status.HELD,
        batch=f"cutoff:{cutoff.pk}",
        idempotency_key=f"shell-held-{uuid.uuid4()}",
    )
    admin = UserFactory(is_staff=True, is_superuser=True)
    give_totp(admin)
    people = {
        "applicant": applicant,
        "reviewer": ReviewerFactory(),
        "technical assessor": assessor.user,
        "programme officer": ProgrammeOfficerFactory(),
        "centre administrator": centre_admin.user,
        "admin": admin,
    }
    arguments = {
        "account_confirm_email": {"key": "no-such-key"},
        "account_reset_password_from_key": {"uidb36": "1", "key": "no-such-key"},
        "portal:organisation_detail": {"pk": organisation.pk},
        "portal:organisation_edit": {"pk": organisation.pk},
        "portal:invitation_create": {"pk": organisation.pk},
        "portal:invitation_revoke": {"pk": organisation.pk, "invitation_pk": invitation.pk},
        "portal:invitation_resend": {"pk": organisation.pk, "invitation_pk": invitation.pk},
        "portal:membership_change_role": {"pk": organisation.pk, "membership_pk": member.pk},
        "portal:membership_remove": {"pk": organisation.pk, "membership_pk": member.pk},
        "portal:invitation_open": {"token": invitation.token},
        "allocations:centre_detail": {"pk": centre.pk},
        "reviews:assessment_detail": {"pk": assessment.pk},
        "portal:failed_work_requeue_all": {"kind": "emails"},
        "portal:failed_work_requeue": {"kind": "emails", "pk": 1},
        "allocations:partition_edit": {"centre_pk": centre.pk, "pk": partition.pk},
        "applications:call_detail": {"slug": call.slug},
        "applications:proposal_create": {"slug": call.slug},
        "applications:officer_cutoff": {"pk": cutoff.pk},
        "applications:officer_cutoff_delete": {"pk": cutoff.pk},
        "applications:officer_cutoff_mails": {"pk": cutoff.pk},
        "applications:officer_cutoff_mails_release": {"pk": cutoff.pk},
        "applications:officer_cutoff_mail": {"pk": cutoff.pk, "mail_pk": held_mail.pk},
        "applications:officer_cutoff_mail_preview": {"pk": cutoff.pk, "mail_pk": held_mail.pk},
        "applications:officer_partition_edit": {"pk": offered.pk},
        "applications:officer_partition_remove": {"pk": offered.pk},
        "applications:officer_criterion_edit": {"pk": criterion.pk},
        "applications:officer_criterion_delete": {"pk": criterion.pk},
        "applications:officer_closure_day_remove": {"pk": closure_day.pk},
        "applications:proposal_section": {"pk": proposal.pk, "section": "general"},
        "applications:proposal_autosave": {"pk": proposal.pk, "section": "general"},
        "applications:team_member_change": {"pk": proposal.pk, "member_pk": teammate.pk},
        "applications:team_member_remove": {"pk": proposal.pk, "member_pk": teammate.pk},
        "applications:cv_download": {"pk": proposal.pk, "member_pk": teammate.pk},
        "applications:resource_request_change": {"pk": proposal.pk, "request_pk": request.pk},
        "applications:resource_request_delete": {"pk": proposal.pk, "request_pk": request.pk},
        "applications:attachment_download": {"pk": proposal.pk, "attachment_pk": attachment.pk},
        "applications:attachment_delete": {"pk": proposal.pk, "attachment_pk": attachment.pk},
    }
    for name in ("officer_call_setup", "officer_call_edit", "officer_call_publication"):
        arguments[f"applications:{name}"] = {"pk": call.pk}
    for name in ("officer_cutoff_add", "officer_cutoff_schedule", "officer_partition_add"):
        arguments[f"applications:{name}"] = {"pk": call.pk}
    for name in ("officer_pools", "officer_criterion_add"):
        arguments[f"applications:{name}"] = {"pk": call.pk}
    for name in (
        "proposal_detail",
        "team_member_add",
        "resource_request_add",
        "proposal_estimate",
        "attachment_upload",
        "proposal_pdf",
        "proposal_submit",
        "proposal_withdraw",
    ):
        arguments[f"applications:{name}"] = {"pk": proposal.pk}
    eligibility_item = EligibilityCriterion.objects.create(call=call, kind="manual", label="Item")
    arguments["reviews:eligibility_proposal"] = {"pk": proposal.pk}
    # The officer's view of a proposal is for submitted ones: the officer sees a whole page.
    submitted = advance(SubmittableProposalFactory(cutoff=cutoff), to="submitted")
    arguments["reviews:officer_proposal"] = {"pk": submitted.pk}
    arguments["reviews:officer_proposal_step"] = {"pk": submitted.pk}
    arguments["reviews:eligibility_cutoff"] = {"pk": cutoff.pk}
    arguments["reviews:eligibility_bulk"] = {"pk": cutoff.pk}
    arguments["reviews:eligibility_checklist"] = {"pk": call.pk}
    for name in ("eligibility_item_remove", "eligibility_item_move"):
        arguments[f"reviews:{name}"] = {"pk": eligibility_item.pk}
    arguments["reviews:decision_proposal"] = {"pk": proposal.pk}
    arguments["reviews:decision_cutoff"] = {"pk": cutoff.pk}
    # The reviewer pool and conflicts of interest.
    from reviews.models import DetectedConflict, PoolInvitation, PoolMembership

    # The reviewer reviews for the call under its terms: their pages show whole.
    PoolMembership.objects.create(
        call=call, user=people["reviewer"], terms_accepted_at=timezone.now()
    )
    pool_invitation = PoolInvitation.objects.create(call=call, email="invitee@example.org")
    detected = DetectedConflict.objects.create(
        cutoff=cutoff, reviewer=ReviewerFactory(), proposal=submitted, rule="member", fact="x"
    )
    arguments["reviews:pool_invitation_open"] = {"token": pool_invitation.token}
    arguments["reviews:pool_invitation_answer"] = {"pk": pool_invitation.pk}
    arguments["reviews:reviewer_pool_remove"] = {"pk": pool_invitation.pk}
    arguments["reviews:pool_terms"] = {"pk": call.pk}
    arguments["reviews:reviewer_pool"] = {"pk": call.pk}
    arguments["reviews:peer_review_settings"] = {"pk": call.pk}
    arguments["reviews:conflict_check"] = {"pk": submitted.pk}
    arguments["reviews:cutoff_conflicts"] = {"pk": cutoff.pk}
    arguments["reviews:cutoff_bids"] = {"pk": cutoff.pk}
    arguments["reviews:cutoff_assignment"] = {"pk": cutoff.pk}
    arguments["reviews:assignment_add"] = {"pk": cutoff.pk}
    from reviews.models import ReviewAssignment

    review_assignment = ReviewAssignment.objects.create(
        reviewer=people["reviewer"], proposal=submitted, source="manual"
    )
    arguments["reviews:assignment_remove"] = {"pk": review_assignment.pk}
    arguments["reviews:assignment_answer"] = {"pk": review_assignment.pk}
    # The reviewer confirmed having no conflict: their review page shows whole.
    from reviews.services.conflicts import no_conflict_confirm

    no_conflict_confirm(reviewer=people["reviewer"], proposal=submitted)
    arguments["reviews:review"] = {"pk": review_assignment.pk}
    arguments["reviews:review_autosave"] = {"pk": review_assignment.pk}
    arguments["reviews:cutoff_reviews"] = {"pk": cutoff.pk}
    arguments["reviews:conflict_decide"] = {"pk": detected.pk}
    # The right of reply: the applicant's Large Scale proposal with its reviews in, reply open.
    from tests.factories import proposal_in_reply

    replying = proposal_in_reply(created_by=applicant, organisation=organisation)
    for name in ("proposal_reply", "proposal_reply_autosave"):
        arguments[f"reviews:{name}"] = {"pk": replying.pk}
    arguments["reviews:cutoff_reply"] = {"pk": replying.cutoff_id}
    # The panel ranking of that peer-reviewed cut-off.
    for name in ("ranking", "ranking_move", "ranking_close", "funding_line"):
        arguments[f"reviews:{name}"] = {"pk": replying.cutoff_id}
    arguments["reviews:ranking_notes"] = {"pk": replying.cutoff_id, "proposal": replying.pk}
    return people, arguments


def _urls(arguments):
    urls, unknown = [], []
    for name, pattern in _named_routes():
        if name.startswith(OUTSIDE_THE_SHELL):
            continue
        wanted = set(pattern.pattern.regex.groupindex)
        kwargs = arguments.get(name, {})
        if set(kwargs) != wanted:
            unknown.append(name)
            continue
        urls.append((name, reverse(name, kwargs=kwargs)))
    assert unknown == [], f"routes whose arguments the shell test does not know: {unknown}"
    return urls


SCRIPTS = re.compile(r"<script\b.*?</script>", re.S | re.I)
TAGS = re.compile(r"<[^>]+>")
CLOCK_WITH_SECONDS = re.compile(r"\b\d{1,2}:\d{2}:\d{2}\b")


def _wording_problems(html: str) -> list[str]:
    """One way of writing times (10:00, never 10:00:00) and "time zone" in the text people read."""
    text = TAGS.sub(" ", SCRIPTS.sub(" ", html))
    found = CLOCK_WITH_SECONDS.findall(text)
    found += re.findall(r"\btime-?zone\b", text, re.I)
    return found


def _unread(user):
    Notification.objects.create(
        recipient=user,
        to_email=user.email,
        template="test",
        subject="Something happened",
        body_text="Something happened.",
        idempotency_key=f"shell-{uuid.uuid4()}",
    )


# Staff see no applicant items unless they also belong to an applying organisation.
MENU = {
    "applicant": {"My proposals"},
    "reviewer": {"Reviews"},
    "technical assessor": {"Assessments", "Centres"},
    "programme officer": {"Workspace", "Manage calls", "Centres"},
    "centre administrator": {"Centres"},
    "admin": {"Failed work", "Site admin"},
}


@pytest.mark.parametrize("role", list(MENU))
def test_every_page_shows_the_roles_menu_and_the_unread_badge(client, role):
    people, arguments = _world()
    user = people[role]
    client.force_login(user)
    _unread(user)
    checked, problems = [], []
    for name, url in _urls(arguments):
        response = client.get(url, follow=True)
        is_html = response.get("Content-Type", "").startswith("text/html")
        if name in FRAGMENTS and response.status_code == 200:
            assert "<html" not in response.content.decode(), name
            continue
        if name in FRAMED_DOCUMENTS and response.status_code == 200:
            assert "sandbox" in response["Content-Security-Policy"], name
            continue
        if response.status_code == 405 or (name in NOT_PAGES and not is_html):
            assert response.status_code in (200, 405), (name, response.status_code)
            continue
        html = response.content.decode()
        if "<html" not in html:
            problems.append(f"{name} ({url}): not a whole page (status {response.status_code})")
            continue
        found = re.search(r'<nav[^>]*aria-label="Main navigation".*?</nav>', html, re.S)
        navigation = found.group(0) if found else ""
        present = {entry for entry in ENTRIES if f">{entry}</a>" in navigation}
        present |= {"Notifications"} if "</i> Notifications" in navigation else set()
        if present != MENU[role] | {"Notifications"}:
            problems.append(f"{name} ({url}): menu {sorted(present)}")
        final = response.redirect_chain[-1][0] if response.redirect_chain else url
        if 'data-testid="unread-count"' not in navigation and final != reverse(
            "portal:notifications"
        ):  # the notifications page marks what it shows as read
            problems.append(f"{name} ({url}): no unread badge")
        if not isinstance(response.context.get(SHELL_CONTEXT_NAME), ShellNavigation):
            problems.append(f"{name} ({url}): the page's context replaces {SHELL_CONTEXT_NAME}")
        if wording := _wording_problems(html):
            problems.append(f"{name} ({url}): {wording}")
        if final == reverse("portal:notifications"):
            _unread(user)
        checked.append(name)
    assert problems == []
    # Each role really reached pages of every area, not only error pages.
    assert len(checked) > 40
    assert {"home", "applications:dashboard", "portal:profile"} <= set(checked)


def test_no_template_reads_the_shell_navigation_under_another_name():
    """The shell's context has one name; a template that reads `nav.<role>` (its old name) would
    silently see nothing, and a view that sets `portal_nav` would hide the shell's."""
    from pathlib import Path

    from django.conf import settings

    fields = "|".join(f.name for f in dataclasses.fields(ShellNavigation))
    stale = re.compile(rf"(?<![\w.])nav\.({fields})\b")
    roots = [Path(settings.BASE_DIR) / "templates", *Path(settings.BASE_DIR).glob("*/templates")]
    templates = [path for root in roots for path in root.rglob("*.html")]
    assert len(templates) > 50
    offenders = [str(p) for p in templates if stale.search(p.read_text())]
    assert offenders == []
    python = [
        path
        for app in ("portal", "allocations", "applications", "reviews")
        for path in (Path(settings.BASE_DIR) / app).rglob("*.py")
        if path.name != "context_processors.py"
    ]
    setters = [
        str(p) for p in python if re.search(rf"""["']{SHELL_CONTEXT_NAME}["']""", p.read_text())
    ]
    assert setters == []
