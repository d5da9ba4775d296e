"""Time to access: each proposal's clock and each cut-off's figures, on a frozen clock, as the
officer reads them on the cut-off view and on a proposal's page."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction
from django.urls import reverse

from applications.models import ClosureDay, Proposal, ProposalStatus
from applications.modes import AccessMode, ClockStart
from applications.selectors.time_to_access import cutoff_clocks, proposal_clock
from applications.services.proposals import (
    proposal_counts_update,
    proposal_submit,
    proposal_withdraw,
)
from applications.time_to_access import ClockState, access_clock
from applications.working_days import WorkingCalendar, working_calendar
from tests.factories import (
    CallFactory,
    CutOffFactory,
    ProgrammeOfficerFactory,
    ReviewerFactory,
    SubmittableProposalFactory,
)

pytestmark = pytest.mark.django_db

LUX = ZoneInfo("Europe/Luxembourg")


def at(day: int, hour: int = 10, minute: int = 0, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=LUX)


@pytest.fixture(autouse=True)
def _staff_without_totp(settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False


def _submit_at(cutoff, when: datetime, **kwargs) -> Proposal:
    with time_machine.travel(when, tick=False):
        proposal = SubmittableProposalFactory(cutoff=cutoff, **kwargs)
        return proposal_submit(proposal=proposal, by=proposal.created_by)


def _decide(proposal: Proposal, status: str, when: datetime | None) -> None:
    """A decision as the door records it: the status, the time of the decision and the cut-off's
    kept figures, in one transaction."""
    with transaction.atomic():
        from_status, from_decided_at = proposal.status, proposal.decided_at
        Proposal.objects.filter(pk=proposal.pk).update(status=status, decided_at=when)
        proposal.status, proposal.decided_at = status, when
        proposal_counts_update(
            proposal=proposal, from_status=from_status, from_decided_at=from_decided_at
        )


@pytest.fixture
def fast_lane():
    """A Fast Lane cut-off (4 working days from submission) and, by Monday 14 Dec 2026 at noon:
    one decided within the promise, one decided late, one due that day, one with two working
    days left, one overdue, one withdrawn, one decided before decision times were recorded."""
    with time_machine.travel(at(1), tick=False):
        call = CallFactory(mode=AccessMode.FAST_LANE, title="Fast Lane winter call")
        cutoff = CutOffFactory(call=call, at=at(18, 17))
    p = {
        "in_time": _submit_at(cutoff, at(7, 10)),
        "late": _submit_at(cutoff, at(7, 11)),
        "due_today": _submit_at(cutoff, at(8, 10)),
        "running": _submit_at(cutoff, at(10, 17, 30)),
        "overdue": _submit_at(cutoff, at(2, 10)),
        "withdrawn": _submit_at(cutoff, at(9, 10)),
        "untimed": _submit_at(cutoff, at(2, 11)),
    }
    _decide(p["in_time"], ProposalStatus.AWARDED, at(10, 15))
    _decide(p["late"], ProposalStatus.REJECTED, at(14, 9))
    _decide(p["untimed"], ProposalStatus.WAITLISTED, None)
    with time_machine.travel(at(9, 12), tick=False):
        proposal_withdraw(proposal=p["withdrawn"], by=p["withdrawn"].created_by, reason="Done.")
    return cutoff, p


NOW = at(14, 12)


def _clocks(proposals, calendar=None):
    calendar = calendar or working_calendar()
    clocks = {}
    for name, proposal in proposals.items():
        proposal.refresh_from_db()
        clocks[name] = proposal_clock(proposal=proposal, now=NOW, calendar=calendar)
    return clocks


def test_each_proposals_clock(fast_lane):
    _, p = fast_lane
    c = _clocks(p)
    assert (c["in_time"].state, c["in_time"].working_days) == (ClockState.DECIDED_IN_TIME, 3)
    assert c["in_time"].headline == "Decided in 3 working days"
    assert (c["late"].state, c["late"].working_days) == (ClockState.DECIDED_LATE, 5)
    assert c["late"].detail == "1 working day late"
    assert c["due_today"].state == ClockState.DUE
    assert c["due_today"].headline == "Due today"
    assert c["due_today"].due_on == date(2026, 12, 14)
    # Thursday 17:30: Friday and Monday have gone, Tuesday and Wednesday are left.
    assert (c["running"].state, c["running"].working_days) == (ClockState.RUNNING, 2)
    assert c["running"].headline == "2 working days left"
    assert c["running"].detail == "due Wed 16 Dec"
    assert (c["overdue"].state, c["overdue"].working_days) == (ClockState.OVERDUE, 4)
    assert c["overdue"].headline == "Overdue by 4 working days"
    assert c["overdue"].detail == "was due Tue 8 Dec"
    assert c["withdrawn"] is None
    assert c["untimed"].state == ClockState.DECIDED_UNTIMED


def test_a_closure_day_moves_every_clock(fast_lane):
    _, p = fast_lane
    ClosureDay.objects.create(date=date(2026, 12, 11), reason="Office closed")
    c = _clocks(p)
    assert (c["late"].state, c["late"].working_days) == (ClockState.DECIDED_IN_TIME, 4)
    assert (c["due_today"].state, c["due_today"].working_days) == (ClockState.RUNNING, 1)
    assert c["running"].due_on == date(2026, 12, 17)
    assert c["overdue"].working_days == 3


def test_the_weekend_after_a_due_friday_is_still_on_time():
    calendar = WorkingCalendar(zone=LUX, country="LU")

    def clock(now, decided_at=None, status=ProposalStatus.IN_REVIEW):
        return access_clock(
            mode=AccessMode.PLAYGROUND,
            promised=2,
            status=status,
            submitted_at=at(9, 16),  # Wednesday: due Friday 11
            cutoff_at=at(30),
            decided_at=decided_at,
            now=now,
            calendar=calendar,
        )

    assert clock(at(11, 23, 59)).headline == "Due today"
    saturday = clock(at(12, 10))
    assert (saturday.state, saturday.headline) == (ClockState.DUE, "Due")
    assert saturday.detail == "late from Mon 14 Dec"
    assert clock(at(14, 0, 1)).headline == "Overdue by 1 working day"
    decided_saturday = clock(at(13), decided_at=at(12, 10), status=ProposalStatus.AWARDED)
    assert decided_saturday.state == ClockState.DECIDED_IN_TIME
    same_day = clock(at(13), decided_at=at(9, 18), status=ProposalStatus.AWARDED)
    assert same_day.headline == "Decided the same day"


def test_the_cutoffs_figures(fast_lane, django_assert_num_queries):
    cutoff, _ = fast_lane
    calendar = working_calendar()
    with django_assert_num_queries(1):
        figures = cutoff_clocks(cutoff=cutoff, now=NOW, calendar=calendar)
    assert (figures.decided_in_time, figures.decided_late, figures.decided_untimed) == (1, 1, 1)
    assert (figures.running, figures.overdue) == (2, 1)
    assert figures.nearest_due == date(2026, 12, 14)
    assert figures.oldest_overdue == date(2026, 12, 8)
    assert figures.total == 6  # the withdrawn one has no clock
    assert figures.promise == "4 working days from submission"


def test_large_scale_counts_from_the_cut_off():
    with time_machine.travel(at(1), tick=False):
        call = CallFactory(mode=AccessMode.LARGE_SCALE)
        cutoff = CutOffFactory(call=call, at=at(11, 17))  # a Friday
    proposal = _submit_at(cutoff, at(7), request__hours=Decimal(60_000))
    proposal.refresh_from_db()
    before = proposal_clock(proposal=proposal, now=at(10))
    assert before.state == ClockState.NOT_STARTED
    assert before.starts_at == ClockStart.CUTOFF
    assert before.headline == "Starts at the cut-off"
    # Ten working days after Friday 11 Dec: Monday 28 (Christmas falls on the Friday between).
    assert before.due_on == date(2026, 12, 28)
    after = proposal_clock(proposal=proposal, now=at(29))
    assert (after.state, after.working_days) == (ClockState.OVERDUE, 1)
    assert after.detail == "was due Mon 28 Dec"
    next_year = proposal_clock(proposal=proposal, now=datetime(2027, 1, 4, 9, tzinfo=LUX))
    # 29, 30, 31 Dec and Monday 4 Jan, begun (New Year's Day is off).
    assert next_year.headline == "Overdue by 4 working days"
    assert next_year.detail == "was due Mon 28 Dec 2026"
    figures = cutoff_clocks(cutoff=cutoff, now=at(10), calendar=working_calendar())
    assert (figures.running, figures.nearest_due) == (1, date(2026, 12, 28))
    assert cutoff_clocks(cutoff=cutoff, now=at(29), calendar=working_calendar()).overdue == 1


def test_the_officers_cut_off_view_shows_the_clocks(client, fast_lane):
    cutoff, p = fast_lane
    with time_machine.travel(NOW, tick=False):
        client.force_login(ProgrammeOfficerFactory())
        response = client.get(reverse("applications:officer_cutoff", args=[cutoff.pk]))
    page = response.content.decode()
    rows = {row.pk: row.clock for row in response.context["proposals"]}
    assert rows[p["overdue"].pk].state == ClockState.OVERDUE
    assert rows[p["withdrawn"].pk] is None
    assert '<th scope="col">Time to access</th>' in page
    assert "Overdue by 4 working days" in page
    assert "2 working days left" in page
    assert "Decided in 5 working days" in page and "1 working day late" in page
    assert "Due today" in page
    assert "a decision within 4 working days from submission" in page
    assert "public holidays in Luxembourg" in page
    figures = response.context["time_to_access"]
    assert (figures.decided_in_time, figures.overdue, figures.running) == (1, 1, 2)
    assert "next due Mon 14 Dec 2026" in page
    assert "oldest was due Tue 8 Dec 2026" in page
    assert reverse("applications:officer_closure_days") in page


def test_the_all_proposals_list_shows_the_clocks_too(client, fast_lane):
    with time_machine.travel(NOW, tick=False):
        client.force_login(ProgrammeOfficerFactory())
        page = client.get(reverse("applications:officer_proposals")).content.decode()
    assert "Overdue by 4 working days" in page


def test_the_officer_sees_a_proposals_clock_and_the_applicant_does_not(client, fast_lane):
    _, p = fast_lane
    proposal = p["overdue"]
    url = reverse("applications:proposal_detail", args=[proposal.pk])
    with time_machine.travel(NOW, tick=False):
        client.force_login(ProgrammeOfficerFactory())
        page = client.get(url).content.decode()
    assert "Time to access" in page
    assert "Overdue by 4 working days" in page
    assert "a decision within 4 working days from submission" in page
    with time_machine.travel(NOW, tick=False):
        client.force_login(proposal.created_by)
        response = client.get(url)
    assert response.status_code == 200 and proposal.reference in response.content.decode()
    assert "Time to access" not in response.content.decode()
    assert "Overdue" not in response.content.decode()
    with time_machine.travel(NOW, tick=False):
        client.force_login(ReviewerFactory())
        assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    "mode, promise",
    [
        (AccessMode.PLAYGROUND, "a decision within 2 working days of submission"),
        (AccessMode.FAST_LANE, "a decision within 4 working days of submission"),
        (AccessMode.LARGE_SCALE, "a decision within 10 working days of the cut-off"),
    ],
)
def test_the_public_call_page_states_the_promise(client, mode, promise):
    call = CallFactory(mode=mode)
    CutOffFactory(call=call)
    page = client.get(reverse("applications:call_detail", args=[call.slug])).content.decode()
    assert promise in page
