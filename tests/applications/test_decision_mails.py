"""Decision mails: held per cut-off by the services that decide, read, edited and released by a
programme officer on the cut-off's mail page; nobody else reaches that page."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from applications.models import TeamMember
from applications.services.decision_mails import (
    ELIGIBILITY_REFUSED,
    FCFS_DECISION,
    cutoff_mail_batch,
    decision_mail_hold,
)
from applications.services.proposals import proposal_submit
from portal.models import Activity, Notification
from tests.factories import (
    CentreMembershipFactory,
    CutOffFactory,
    MembershipFactory,
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
def templates(settings, tmp_path):
    """A test template of the shape decision mails have."""
    folder = tmp_path / "templates" / "notifications"
    folder.mkdir(parents=True)
    (folder / "test_verdict_subject.txt").write_text("Verdict on {{ reference }}\n")
    (folder / "test_verdict_body.txt").write_text(
        "Dear {{ recipient_name }},\n{{ verdict }} for {{ title }} ({{ call_title }}).\n"
        "{{ site_url }}{{ proposal_path }}\n"
    )
    (folder / "test_verdict_body.html").write_text(
        '<p style="color: #0d6efd">Dear {{ recipient_name }}, <b>{{ verdict }}</b>.</p>\n'
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path / "templates", *settings.TEMPLATES[0]["DIRS"]]}
    ]


@pytest.fixture
def officer():
    return ProgrammeOfficerFactory()


def _submitted(cutoff=None, *, teammates: int = 0):
    """A proposal submitted through the service, with `teammates` more people on its team."""
    kwargs = {"cutoff": cutoff} if cutoff else {}
    proposal = SubmittableProposalFactory(**kwargs)
    for _ in range(teammates):
        member = MembershipFactory(organisation=proposal.organisation)
        TeamMember.objects.create(
            proposal=proposal, user=member.user, role=TeamMember.Role.ENGINEER
        )
    return proposal_submit(proposal=proposal, by=proposal.created_by)


def _hold(proposal, officer, *, verdict="Awarded", template="test_verdict", **kwargs):
    return decision_mail_hold(
        proposal=proposal, template=template, context={"verdict": verdict}, by=officer, **kwargs
    )


# --- The producer API ---------------------------------------------------------------------------


def test_a_decision_holds_one_mail_per_team_member_in_the_cutoffs_batch(
    templates, officer, mailoutbox, django_capture_on_commit_callbacks
):
    proposal = _submitted(teammates=2)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        mails = _hold(proposal, officer)
    assert mailoutbox == []
    team = {m.user.email for m in proposal.team.select_related("user")}
    assert {m.to_email for m in mails} == team and len(mails) == 3
    for mail in mails:
        assert mail.status == Notification.Status.HELD
        assert mail.batch == f"cutoff:{proposal.cutoff_id}" == cutoff_mail_batch(proposal.cutoff)
        assert mail.about == proposal.reference
        assert mail.subject == f"Verdict on {proposal.reference}"
        assert f"Dear {mail.recipient.display_name}," in mail.body_text
        assert f"Awarded for {proposal.title} ({proposal.call.title})." in mail.body_text
        assert proposal.get_absolute_url() in mail.body_text


def test_holding_the_same_decision_again_holds_nothing_new(templates, officer):
    proposal = _submitted()
    first = _hold(proposal, officer)
    assert [m.pk for m in _hold(proposal, officer)] == [m.pk for m in first]
    assert Notification.objects.filter(batch=cutoff_mail_batch(proposal.cutoff)).count() == 1


def test_a_new_decision_replaces_the_mails_still_held_but_not_another_proposals(templates, officer):
    proposal = _submitted()
    other = _submitted(proposal.cutoff)
    (waitlisted,) = _hold(proposal, officer, verdict="Waitlisted", occasion="1")
    (others,) = _hold(other, officer, verdict="Waitlisted", occasion="1")
    (awarded,) = _hold(proposal, officer, verdict="Awarded", occasion="2")
    waitlisted.refresh_from_db()
    others.refresh_from_db()
    assert waitlisted.status == Notification.Status.DISCARDED
    assert others.status == awarded.status == Notification.Status.HELD
    assert Activity.objects.filter(
        verb="notification.discard", object_id=str(waitlisted.pk), actor=officer
    ).exists()


def test_the_producer_refuses_a_known_template_without_what_it_needs(officer):
    proposal = _submitted()
    with pytest.raises(ValueError, match="reason"):
        decision_mail_hold(proposal=proposal, template=ELIGIBILITY_REFUSED, context={}, by=officer)
    with pytest.raises(ValueError, match="outcome"):
        decision_mail_hold(
            proposal=proposal, template=FCFS_DECISION, context={"outcome": "maybe"}, by=officer
        )
    with pytest.raises(ValueError, match="':'"):
        decision_mail_hold(
            proposal=proposal,
            template=ELIGIBILITY_REFUSED,
            context={"reason": "r"},
            by=officer,
            occasion="a:b",
        )
    assert not Notification.objects.filter(status=Notification.Status.HELD).exists()


# --- The templates ------------------------------------------------------------------------------


def _one(proposal, officer, template, **context):
    (mail,) = decision_mail_hold(proposal=proposal, template=template, context=context, by=officer)
    return mail


def test_the_eligibility_refusal_carries_the_reason_escaped_in_html(officer):
    proposal = _submitted()
    reason = "The company is registered in a non-participating country <b>(US)</b> & the rest."
    mail = _one(proposal, officer, ELIGIBILITY_REFUSED, reason=reason)
    assert mail.subject == f"Proposal {proposal.reference} is not eligible: {proposal.title}"
    assert f"Reason: {reason}" in mail.body_text  # the text part as written
    assert "not eligible, so it will not be evaluated" in mail.body_text
    assert "&lt;b&gt;(US)&lt;/b&gt; &amp; the rest." in mail.body_html
    assert "<b>(US)</b>" not in mail.body_html


AWARDED = [
    {
        "partition": "MareNostrum 5 ACC",
        "hours": "20,000",
        "unit": "GPU-hours",
        "requested": "20,000",
    },
    {"partition": "LUMI-G", "hours": "8,000", "unit": "GPU-hours", "requested": "10,000"},
]
COMMENTS = [
    {"partition": "MareNostrum 5 ACC", "comment": "Checkpoint every 2 hours: <fine>."},
    {"partition": "LUMI-G", "comment": "Port the NCCL calls to RCCL first."},
]


def test_the_award_lists_the_hours_and_what_was_asked(officer):
    proposal = _submitted()
    mail = _one(proposal, officer, FCFS_DECISION, outcome="award", awarded=AWARDED)
    assert mail.subject == f"Hours awarded to proposal {proposal.reference}: {proposal.title}"
    assert "Awarded:\n- MareNostrum 5 ACC: 20,000 GPU-hours\n" in mail.body_text
    assert "- LUMI-G: 8,000 GPU-hours (you asked for 10,000)" in mail.body_text
    assert "reserved for you" in mail.body_text
    assert "you asked for 10,000" in mail.body_html
    assert "Comments from the technical assessment" not in mail.body_text


def test_the_waitlist_says_what_happens_next(officer):
    proposal = _submitted()
    mail = _one(proposal, officer, FCFS_DECISION, outcome="waitlist")
    assert mail.subject == f"Proposal {proposal.reference} is on the waiting list: {proposal.title}"
    assert "in the order they were submitted" in mail.body_text
    assert "You do not need to do anything" in mail.body_html


def test_a_rejection_carries_the_technical_assessments_comments_to_the_applicant(officer):
    proposal = _submitted()
    mail = _one(
        proposal,
        officer,
        FCFS_DECISION,
        outcome="reject",
        reason="The requested partitions cannot run the workload as planned.",
        comments=COMMENTS,
    )
    assert mail.subject == f"No hours awarded to proposal {proposal.reference}: {proposal.title}"
    assert "Reason: The requested partitions cannot run the workload as planned." in mail.body_text
    assert (
        "Comments from the technical assessment:\n"
        "- MareNostrum 5 ACC: Checkpoint every 2 hours: <fine>.\n"
        "- LUMI-G: Port the NCCL calls to RCCL first.\n\nYou may apply again"
    ) in mail.body_text
    assert "Checkpoint every 2 hours: &lt;fine&gt;." in mail.body_html
    assert "<strong>LUMI-G:</strong> Port the NCCL calls to RCCL first." in mail.body_html
    # No template tag, stray blank run or unrendered variable reaches the reader.
    for part in (mail.subject, mail.body_text, mail.body_html):
        assert "{%" not in part and "{{" not in part
    assert "\n\n\n" not in mail.body_text


# --- The officer's pages ------------------------------------------------------------------------


def _list_url(cutoff) -> str:
    return reverse("applications:officer_cutoff_mails", kwargs={"pk": cutoff.pk})


def _mail_url(mail, name="officer_cutoff_mail") -> str:
    pk = int(mail.batch.split(":")[1])
    return reverse(f"applications:{name}", kwargs={"pk": pk, "mail_pk": mail.pk})


def _release_url(cutoff) -> str:
    return reverse("applications:officer_cutoff_mails_release", kwargs={"pk": cutoff.pk})


@pytest.fixture
def held(templates, officer):
    proposal = _submitted(teammates=1)
    return proposal, _hold(proposal, officer)


def test_the_cutoff_page_links_to_its_held_mails_with_their_count(client, officer, held):
    proposal, mails = held
    client.force_login(officer)
    html = client.get(reverse("applications:officer_cutoff", kwargs={"pk": proposal.cutoff_id}))
    link = re.search(
        r'<a [^>]*href="([^"]+)"[^>]*>(?:(?!</a>).)*Decision mails held for review</a> '
        r'<span class="badge[^"]*">(\d+)</span>',
        html.content.decode(),
        re.S,
    )
    assert link and link.group(1) == _list_url(proposal.cutoff) and link.group(2) == "2"


def test_the_list_shows_the_held_mails_of_this_cutoff_only(client, officer, held):
    proposal, mails = held
    elsewhere = _submitted(CutOffFactory(call=proposal.call))
    _hold(elsewhere, officer)
    client.force_login(officer)
    response = client.get(_list_url(proposal.cutoff))
    assert response.status_code == 200
    html = response.content.decode()
    for mail in mails:
        assert mail.to_email in html and _mail_url(mail) in html
    assert elsewhere.reference not in html
    assert "Release all 2…" in html


def test_the_list_costs_the_same_queries_for_1_and_50_mails(
    client, officer, templates, assert_queries_constant
):
    proposal = _submitted()
    _hold(proposal, officer)
    client.force_login(officer)
    url = _list_url(proposal.cutoff)

    notification = Notification.objects.get(batch=cutoff_mail_batch(proposal.cutoff))

    def grow():
        for n in range(49):
            Notification.objects.create(
                to_email=f"member{n}@example.org",
                template="test_verdict",
                subject=f"Verdict {n}",
                body_text="Text",
                status=Notification.Status.HELD,
                batch=notification.batch,
                about=f"AIF-X-{n:04d}",
                idempotency_key=f"grow:{n}",
                edited_by=officer if n % 2 else None,
                edited_at=notification.created_at if n % 2 else None,
            )

    assert_queries_constant(
        lambda: client.get(url).status_code == 200 or pytest.fail(url), grow=grow, at_most=10
    )
    assert len(client.get(url).context["page_obj"].object_list) == 50


@pytest.mark.parametrize(
    "who", ["applicant", "team member", "reviewer", "assessor", "centre admin"]
)
def test_nobody_but_a_programme_officer_reaches_the_mails(client, held, who):
    proposal, (mail, _) = held
    user = {
        "applicant": lambda: UserFactory(),
        "team member": lambda: proposal.created_by,
        "reviewer": lambda: ReviewerFactory(),
        "assessor": lambda: CentreMembershipFactory().user,
        "centre admin": lambda: CentreMembershipFactory(administrator=True).user,
    }[who]()
    client.force_login(user)
    for url in (
        _list_url(proposal.cutoff),
        _mail_url(mail),
        _mail_url(mail, "officer_cutoff_mail_preview"),
    ):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(_mail_url(mail), {"subject": "x", "body_text": "y", "revision": 0}).status_code
        == 404
    )
    assert (
        client.post(_release_url(proposal.cutoff), {"scope": "all", "confirm": "yes"}).status_code
        == 404
    )
    mail.refresh_from_db()
    assert (mail.status, mail.subject) == ("held", f"Verdict on {proposal.reference}")


def test_an_anonymous_visitor_is_sent_to_log_in(client, held):
    proposal, _ = held
    response = client.get(_list_url(proposal.cutoff))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_mail_of_another_cutoff_is_not_found_under_this_one(client, officer, held):
    proposal, (mail, _) = held
    other = CutOffFactory(call=proposal.call)
    client.force_login(officer)
    url = reverse("applications:officer_cutoff_mail", kwargs={"pk": other.pk, "mail_pk": mail.pk})
    assert client.get(url).status_code == 404


def test_the_mail_page_previews_html_in_a_sandboxed_frame_with_its_own_policy(
    client, officer, held
):
    _, (mail, _) = held
    client.force_login(officer)
    page = client.get(_mail_url(mail))
    html = page.content.decode()
    assert page.status_code == 200
    frame = re.search(r"<iframe[^>]*>", html).group(0)
    assert re.search(r"\ssandbox(\s|>)", frame) and "allow-" not in frame
    assert f'src="{_mail_url(mail, "officer_cutoff_mail_preview")}"' in frame
    assert "style=" not in html  # the mail's styles are only in the frame's document
    assert mail.body_text.splitlines()[0] in html

    preview = client.get(_mail_url(mail, "officer_cutoff_mail_preview"))
    assert preview.status_code == 200
    assert preview.content.decode() == mail.body_html
    policy = {
        part.split()[0]: part.split()[1:]
        for part in preview["Content-Security-Policy"].split(";")
        if part.strip()
    }
    assert policy["default-src"] == ["'none'"]
    assert policy["style-src"] == ["'unsafe-inline'"]
    assert policy["frame-ancestors"] == ["'self'"]
    assert "sandbox" in policy and "script-src" not in policy
    assert preview["X-Frame-Options"] == "SAMEORIGIN"
    # Every other page keeps refusing to be framed.
    assert page["X-Frame-Options"] == "DENY"


def test_an_officer_edits_a_mail_and_it_stays_held(client, officer, held, mailoutbox):
    _, (mail, _) = held
    mailoutbox.clear()
    client.force_login(officer)
    response = client.post(
        _mail_url(mail),
        {"subject": "A new subject", "body_text": "New words.\r\nSecond line.", "revision": "0"},
    )
    assert response.status_code == 302 and response["Location"] == _mail_url(mail)
    mail.refresh_from_db()
    assert (mail.subject, mail.body_text, mail.status) == (
        "A new subject",
        "New words.\nSecond line.",
        "held",
    )
    assert "New words.<br>Second line." in mail.body_html
    assert mailoutbox == []
    page = client.get(_mail_url(mail)).content.decode()
    assert "Edited" in page and officer.display_name in page


def test_bad_input_says_what_is_wrong_and_loses_nothing(client, officer, held):
    _, (mail, _) = held
    client.force_login(officer)
    typed = "A long careful rewrite that must survive. " * 3
    response = client.post(_mail_url(mail), {"subject": "", "body_text": typed, "revision": "0"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "This field is required." in html
    assert typed.strip() in html
    too_long = client.post(
        _mail_url(mail), {"subject": "Fine", "body_text": "x" * 50_001, "revision": "0"}
    )
    assert too_long.status_code == 400
    assert "at most 50000 characters" in too_long.content.decode()
    mail.refresh_from_db()
    assert mail.revision == 0


def test_an_edit_after_a_colleagues_keeps_the_text_and_names_them(client, officer, held):
    _, (mail, _) = held
    colleague = ProgrammeOfficerFactory(first_name="Grace", last_name="Hopper")
    client.force_login(colleague)
    client.post(_mail_url(mail), {"subject": "Theirs", "body_text": "Theirs.", "revision": "0"})
    client.force_login(officer)
    response = client.post(
        _mail_url(mail), {"subject": "Mine", "body_text": "My careful words.", "revision": "0"}
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Grace Hopper saved this mail on" in html
    assert "My careful words." in html
    assert 'name="revision" value="1"' in html  # saving again replaces theirs, knowingly
    again = client.post(
        _mail_url(mail), {"subject": "Mine", "body_text": "My careful words.", "revision": "1"}
    )
    assert again.status_code == 302
    mail.refresh_from_db()
    assert mail.subject == "Mine"


def test_an_edit_of_a_mail_released_meanwhile_is_refused_and_shows_the_text(
    client, officer, held, django_capture_on_commit_callbacks
):
    proposal, (mail, _) = held
    client.force_login(officer)
    client.post(_release_url(proposal.cutoff), {"scope": "all", "confirm": "yes"})
    response = client.post(
        _mail_url(mail), {"subject": "Too late", "body_text": "Words I typed.", "revision": "0"}
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "released this mail on" in html and "Words I typed." in html


def test_release_selected_asks_first_then_sends_only_those(
    client, officer, held, mailoutbox, django_capture_on_commit_callbacks
):
    proposal, (first, second) = held
    mailoutbox.clear()
    client.force_login(officer)
    ask = client.post(_release_url(proposal.cutoff), {"scope": "selected", "mail": [first.pk]})
    assert ask.status_code == 200
    html = ask.content.decode()
    assert "Release 1 mail?" in html and first.to_email in html and second.to_email not in html
    assert mailoutbox == [] and Notification.objects.get(pk=first.pk).status == "held"

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            _release_url(proposal.cutoff),
            {"scope": "selected", "mail": [first.pk], "confirm": "yes"},
            follow=True,
        )
    assert "1 mail released" in done.content.decode()
    assert [m.to for m in mailoutbox] == [[first.to_email]]
    assert Notification.objects.get(pk=second.pk).status == "held"


def test_release_all_sends_what_the_officer_confirmed_and_not_what_came_after(
    client, officer, held, templates, mailoutbox, django_capture_on_commit_callbacks
):
    proposal, mails = held
    mailoutbox.clear()
    client.force_login(officer)
    ask = client.post(_release_url(proposal.cutoff), {"scope": "all"})
    assert "Release 2 mails?" in ask.content.decode()
    up_to = ask.context["up_to"]
    (late,) = _hold(_submitted(proposal.cutoff), officer)  # decided while the officer read
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            _release_url(proposal.cutoff), {"scope": "all", "up_to": up_to, "confirm": "yes"}
        )
    assert sorted(m.to[0] for m in mailoutbox) == sorted(m.to_email for m in mails)
    assert Notification.objects.get(pk=late.pk).status == "held"
    # Pressing confirm again (a second tab) sends nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(
            _release_url(proposal.cutoff),
            {"scope": "all", "up_to": up_to, "confirm": "yes"},
            follow=True,
        )
    assert len(mailoutbox) == 2
    assert "Nothing was released" in again.content.decode()


def test_release_selected_without_a_selection_says_so(client, officer, held):
    proposal, _ = held
    client.force_login(officer)
    response = client.post(_release_url(proposal.cutoff), {"scope": "selected"}, follow=True)
    assert "No mail was selected" in response.content.decode()
    assert Notification.objects.filter(status="held").count() == 2


def test_a_selection_cannot_reach_a_mail_of_another_cutoff(
    client, officer, held, templates, mailoutbox
):
    proposal, _ = held
    (foreign,) = _hold(_submitted(CutOffFactory(call=proposal.call)), officer)
    client.force_login(officer)
    client.post(
        _release_url(proposal.cutoff), {"scope": "selected", "mail": [foreign.pk], "confirm": "yes"}
    )
    assert Notification.objects.get(pk=foreign.pk).status == "held"
