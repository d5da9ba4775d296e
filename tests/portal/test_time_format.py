"""One way of writing times (10:00, never 10:00:00) in pages, mails and the PDF; "time zone" in
two words; form errors summed up at the top of the new-call form."""

import re
import zoneinfo
from datetime import UTC, datetime, time

import pytest
from django.template import Context, Template
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from applications.pdf import PROPOSAL_PDF_TEMPLATE, proposal_pdf_context
from applications.selectors.proposals import describe_cutoff
from applications.services.proposals import proposal_submit
from portal.models import Notification
from tests.factories import (
    CutOffFactory,
    ProgrammeOfficerFactory,
    SubmittableProposalFactory,
    UserFactory,
)

SECONDS = re.compile(r"\b\d{1,2}:\d{2}:\d{2}\b")


def test_django_filters_write_the_portals_date_and_time():
    at = datetime(2026, 12, 1, 9, 0, 5, tzinfo=UTC)
    with timezone.override("Europe/Brussels"):
        rendered = Template("{{ t|time }}|{{ at|date }}|{{ at }}|{{ at|time }}").render(
            Context({"t": time(10, 0, 5), "at": at})
        )
    assert rendered == "10:00|1 Dec 2026|1 Dec 2026, 10:00|10:00"


@pytest.mark.django_db
def test_cutoffs_mails_and_the_pdf_show_times_to_the_minute(django_capture_on_commit_callbacks):
    cutoff = CutOffFactory(at=datetime(2031, 12, 1, 9, 0, tzinfo=UTC))
    assert describe_cutoff(cutoff) == "1 Dec 2031, 10:00 CET (Europe/Brussels) = 09:00 UTC"

    proposal = SubmittableProposalFactory(cutoff=cutoff)
    with django_capture_on_commit_callbacks(execute=True):
        proposal = proposal_submit(proposal=proposal, by=proposal.created_by)
    receipt = Notification.objects.get(template="proposal_receipt", recipient=proposal.created_by)
    local = proposal.submitted_at.astimezone(zoneinfo.ZoneInfo(cutoff.call.display_timezone))
    assert f"was submitted on {local.day} {local:%b %Y}, {local:%H:%M} " in receipt.body_text
    for text in (receipt.subject, receipt.body_text, receipt.body_html):
        assert not SECONDS.search(text)

    html = render_to_string(PROPOSAL_PDF_TEMPLATE, proposal_pdf_context(proposal=proposal))
    assert "10:00 CET" in html
    assert not SECONDS.search(re.sub(r"<[^>]+>", " ", html))


@pytest.mark.django_db
def test_time_zone_is_two_words_in_the_forms(client):
    user = UserFactory()
    client.force_login(user)
    profile = client.get(reverse("portal:profile")).content.decode()
    assert re.search(r">\s*Time zone", profile)
    officer = ProgrammeOfficerFactory()
    client.force_login(officer)
    form = client.get(reverse("applications:officer_call_create")).content.decode()
    assert re.search(r">\s*Time zone", form)
    for page in (profile, form):
        assert not re.search(r">[^<]*\btimezone\b", page, re.I)


@pytest.mark.django_db
def test_the_new_call_form_sums_up_its_errors_at_the_top(client):
    client.force_login(ProgrammeOfficerFactory())
    response = client.post(
        reverse("applications:officer_call_create"),
        {"title": "Fast Lane 2031", "summary": "Hours for startups", "mode": "no-such-mode"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    summary = re.search(
        r'<div class="alert alert-danger"[^>]*id="form-errors".*?</div>', body, re.S
    )
    assert summary, "an error summary"
    assert body.index('id="form-errors"') < body.index('<form method="post" novalidate>')
    summary = summary.group(0)
    assert "everything else you entered is kept" in summary
    assert 'href="#id_mode">Access mode</a>' in summary or 'href="#id_mode">Mode</a>' in summary
    assert 'href="#id_opens_at">' in summary  # every field in error is listed, linked to it
    assert 'value="Fast Lane 2031"' in body  # nothing typed is lost
