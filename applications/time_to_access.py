"""Time to access: the programme's promise of a decision within a number of working days.

The promise is the call's `days_to_access` (copied from its access mode, applications.modes:
Playground 2, Fast Lane 4 working days from submission; Large Scale 10 from the cut-off). Each
submitted proposal has a clock that starts at its submission (or at its cut-off) and stops when
it is decided (`Proposal.decided_at`); days are counted as applications.working_days says. A
withdrawn proposal has no clock: nobody owes it a decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from functools import lru_cache

from applications.models import ProposalStatus
from applications.modes import ClockStart, defaults_for
from applications.workflow import workflow_for_mode
from applications.working_days import WorkingCalendar

# No clock: never submitted, or withdrawn.
WITHOUT_CLOCK = frozenset({ProposalStatus.DRAFT, ProposalStatus.WITHDRAWN})


class ClockState(StrEnum):
    NOT_STARTED = "not_started"  # submitted before the cut-off that starts its clock
    RUNNING = "running"  # working days left
    DUE = "due"  # the last working day (or the days off right after it)
    OVERDUE = "overdue"
    DECIDED_IN_TIME = "decided_in_time"
    DECIDED_LATE = "decided_late"
    DECIDED_UNTIMED = "decided_untimed"  # decided before decision times were recorded


def _days(n: int) -> str:
    return f"{n} working day{'' if n == 1 else 's'}"


def _day(day: date, today: date) -> str:
    """`Tue 1 Dec`; with the year when it is not this year's."""
    year = f" {day.year}" if day.year != today.year else ""
    return f"{day:%a} {day.day} {day:%b}{year}"


@dataclass(frozen=True)
class AccessClock:
    state: ClockState
    promised: int  # working days
    starts_at: str  # ClockStart
    start_day: date
    due_on: date  # the last working day of the promise
    late_from: date  # the working day from which a decision is late
    today: date  # when the clock was read
    # Running or due: working days left; overdue: working days late; decided: working days taken.
    working_days: int

    @property
    def is_decided(self) -> bool:
        return self.state in (
            ClockState.DECIDED_IN_TIME,
            ClockState.DECIDED_LATE,
            ClockState.DECIDED_UNTIMED,
        )

    @property
    def is_late(self) -> bool:
        return self.state in (ClockState.OVERDUE, ClockState.DECIDED_LATE)

    @property
    def promise(self) -> str:
        return promise_text(promised=self.promised, starts_at=self.starts_at)

    @property
    def headline(self) -> str:
        """What an officer reads first: `2 working days left`, `Overdue by 1 working day`."""
        n = self.working_days
        match self.state:
            case ClockState.NOT_STARTED:
                return "Starts at the cut-off"
            case ClockState.RUNNING:
                return f"{_days(n)} left"
            case ClockState.DUE:
                # Between a due day and the next working day (a weekend) the promise still holds.
                return "Due today" if self.today == self.due_on else "Due"
            case ClockState.OVERDUE:
                return f"Overdue by {_days(n)}"
            case ClockState.DECIDED_UNTIMED:
                return "Decided"
            case _:
                return "Decided the same day" if n == 0 else f"Decided in {_days(n)}"

    @property
    def detail(self) -> str:
        """The dates behind the headline: `due Tue 1 Dec 2026`."""
        match self.state:
            case ClockState.NOT_STARTED | ClockState.RUNNING:
                return f"due {_day(self.due_on, self.today)}"
            case ClockState.DUE:
                return f"late from {_day(self.late_from, self.today)}"
            case ClockState.OVERDUE:
                return f"was due {_day(self.due_on, self.today)}"
            case ClockState.DECIDED_IN_TIME:
                return f"within the {self.promised} promised"
            case ClockState.DECIDED_LATE:
                return f"{_days(self.working_days - self.promised)} late"
            case _:
                return "time of the decision not recorded"


def clock_for_days(
    *,
    promised: int,
    starts_at: str,
    start_day: date,
    started: bool,
    decided_day: date | None,
    decided: bool,
    today: date,
    calendar: WorkingCalendar,
) -> AccessClock:
    """The clock from days alone (what both one proposal and a cut-off's groups have). Each
    distinct clock is worked out once per calendar: a list's rows share their days."""
    key = ("clock", promised, starts_at, start_day, started, decided_day, decided, today)
    clock = calendar.memo.get(key)
    if clock is None:
        clock = calendar.memo[key] = _clock_for_days(
            promised=promised,
            starts_at=starts_at,
            start_day=start_day,
            started=started,
            decided_day=decided_day,
            decided=decided,
            today=today,
            calendar=calendar,
        )
    return clock


def _clock_for_days(
    *,
    promised: int,
    starts_at: str,
    start_day: date,
    started: bool,
    decided_day: date | None,
    decided: bool,
    today: date,
    calendar: WorkingCalendar,
) -> AccessClock:
    due_on = calendar.add_working_days(start_day, promised)
    clock = {
        "promised": promised,
        "starts_at": starts_at,
        "start_day": start_day,
        "due_on": due_on,
        "late_from": calendar.next_working_day(due_on),
        "today": today,
    }
    if decided_day is not None:
        taken = calendar.working_days_between(start_day, decided_day)
        state = ClockState.DECIDED_IN_TIME if taken <= promised else ClockState.DECIDED_LATE
        return AccessClock(state=state, working_days=taken, **clock)
    if decided:
        return AccessClock(state=ClockState.DECIDED_UNTIMED, working_days=0, **clock)
    if not started:
        return AccessClock(state=ClockState.NOT_STARTED, working_days=promised, **clock)
    elapsed = calendar.working_days_between(start_day, today)
    if elapsed > promised:
        return AccessClock(state=ClockState.OVERDUE, working_days=elapsed - promised, **clock)
    if elapsed == promised:
        return AccessClock(state=ClockState.DUE, working_days=0, **clock)
    return AccessClock(state=ClockState.RUNNING, working_days=promised - elapsed, **clock)


def clock_start(
    *, mode: str, submitted_at: datetime | None, cutoff_at: datetime
) -> datetime | None:
    """When the clock of a proposal of this mode starts (None: not submitted)."""
    if submitted_at is None:
        return None
    return cutoff_at if defaults_for(mode).clock_starts_at == ClockStart.CUTOFF else submitted_at


def access_clock(
    *,
    mode: str,
    promised: int,
    status: str,
    submitted_at: datetime | None,
    cutoff_at: datetime,
    decided_at: datetime | None,
    now: datetime,
    calendar: WorkingCalendar,
) -> AccessClock | None:
    """The clock of one proposal, from values a list has already read; None without a clock."""
    start = clock_start(mode=mode, submitted_at=submitted_at, cutoff_at=cutoff_at)
    if start is None or status in WITHOUT_CLOCK:
        return None
    return clock_for_days(
        promised=promised,
        starts_at=defaults_for(mode).clock_starts_at,
        start_day=calendar.local_date(start),
        started=now >= start,
        decided_day=calendar.local_date(decided_at) if decided_at is not None else None,
        decided=_is_decided(mode, status),
        today=calendar.local_date(now),
        calendar=calendar,
    )


@lru_cache(maxsize=256)
def _is_decided(mode: str, status: str) -> bool:
    # The workflow tables are fixed for the process: asked once per (mode, status), not per row.
    try:
        return workflow_for_mode(mode).phase(status).is_decided
    except KeyError:  # a state its path does not know: not a decision
        return False


def decided_statuses(mode: str) -> frozenset[str]:
    """The states of the mode's path in which a proposal has been decided."""
    return frozenset(p.status for p in workflow_for_mode(mode).phases.values() if p.is_decided)


def promise_text(*, promised: int, starts_at: str) -> str:
    """`4 working days from submission`."""
    return f"{_days(promised)} from {ClockStart(starts_at).label}"


@dataclass(frozen=True)
class CutOffTimeToAccess:
    """A cut-off's proposals by their clocks."""

    promised: int
    starts_at: str
    decided_in_time: int = 0
    decided_late: int = 0
    decided_untimed: int = 0  # decided before decision times were recorded
    running: int = 0  # not started, running or due: still within the promise
    overdue: int = 0
    nearest_due: date | None = None  # of those still within the promise
    oldest_overdue: date | None = None  # the due date of the longest overdue

    @property
    def promise(self) -> str:
        return promise_text(promised=self.promised, starts_at=self.starts_at)

    @property
    def decided(self) -> int:
        return self.decided_in_time + self.decided_late + self.decided_untimed

    @property
    def total(self) -> int:
        return self.decided + self.running + self.overdue


def cutoff_time_to_access(
    groups, *, promised: int, starts_at: str, today: date, calendar: WorkingCalendar
) -> CutOffTimeToAccess:
    """Fold groups of proposals (start day, started, decision day, decided, how many) into the
    cut-off's figures; each group shares one clock."""
    counts = {
        "decided_in_time": 0,
        "decided_late": 0,
        "decided_untimed": 0,
        "running": 0,
        "overdue": 0,
    }
    nearest_due = oldest_overdue = None
    for start_day, started, decided_day, decided, n in groups:
        clock = clock_for_days(
            promised=promised,
            starts_at=starts_at,
            start_day=start_day,
            started=started,
            decided_day=decided_day,
            decided=decided,
            today=today,
            calendar=calendar,
        )
        match clock.state:
            case ClockState.DECIDED_IN_TIME:
                counts["decided_in_time"] += n
            case ClockState.DECIDED_LATE:
                counts["decided_late"] += n
            case ClockState.DECIDED_UNTIMED:
                counts["decided_untimed"] += n
            case ClockState.OVERDUE:
                counts["overdue"] += n
                oldest_overdue = min(oldest_overdue or clock.due_on, clock.due_on)
            case _:
                counts["running"] += n
                nearest_due = min(nearest_due or clock.due_on, clock.due_on)
    return CutOffTimeToAccess(
        promised=promised,
        starts_at=starts_at,
        nearest_due=nearest_due,
        oldest_overdue=oldest_overdue,
        **counts,
    )
