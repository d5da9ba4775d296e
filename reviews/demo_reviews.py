"""Demo data of the peer review of the Large Scale call, told at its past moments: at the call's
cut-off that closed some weeks ago (the one with the most proposals), the centres assess every
eligible proposal; four more experts join the pool (profiles, terms), one declares a conflict,
the portal detects two that the officer confirms and dismisses; the officer assigns one expert
by hand, the reviewers bid, the officer runs the automatic assignment and applies it. Most
reviewers accept, one declines with a reason (the officer's page suggests a replacement); the
reviews come in: most proposals have their three, the demo reviewer has a draft and one
assignment still to answer, and the expert assigned by hand is overdue after the reminders.

Everything goes through the services an officer's, assessor's and reviewer's clicks run, each
at its moment (applications.demo_clock). Idempotent: each part is skipped once done.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from applications.demo_clock import demo_moment, office_hours_after
from applications.models import Call, CutOff, EvaluationCriterion, Proposal, ProposalStatus
from applications.modes import AccessMode
from applications.working_days import WorkingCalendar, working_calendar
from reviews.demo import evaluation_moments
from reviews.demo_assessments import DEMO_ASSESSOR_EMAIL
from reviews.demo_decisions import _centre_assessor
from reviews.demo_pool import DEMO_REVIEWER_EMAIL
from reviews.models import (
    AssignmentRun,
    BidLevel,
    ConflictType,
    DeclaredConflict,
    DetectedConflict,
    DetectionRule,
    PoolInvitation,
    Review,
    ReviewAssignment,
    TechnicalAssessment,
)
from reviews.selectors.conflicts import conflicted_pairs
from reviews.services.assessments import assessment_submit
from reviews.services.assignment import (
    assignment_add,
    assignment_answer,
    assignment_run_apply,
    assignment_run_create,
)
from reviews.services.bids import bid_set
from reviews.services.conflicts import (
    conflict_declare,
    conflicts_detect,
    detected_conflict_decide,
    no_conflict_confirm,
)
from reviews.services.pool import (
    pool_invitation_accept,
    pool_invite,
    pool_terms_accept,
    reviewer_profile_update,
)
from reviews.services.reviews import (
    comment_field,
    review_open,
    review_reminders_send,
    review_save,
    review_submit,
    score_field,
)

DAY = timedelta(days=1)
# The reviewed cut-off closed at least this long ago: room for a review round of three weeks
# whose first deadline has passed.
CUTOFF_AGE = timedelta(days=28)
# The officer's story, in days before now: the pool completed, conflicts decided, an expert
# assigned by hand, bids, the automatic assignment (its deadline is then still ahead).
POOL_DAYS_AGO = 28
CONFLICTS_DAYS_AGO = 27
MANUAL_DAYS_AGO = 25
BIDS_DAYS_AGO = 23
RUN_DAYS_AGO = 17
DECLINE_REASON = (
    "I am travelling for a field campaign until the end of the month and cannot give this "
    "proposal the attention it needs."
)


@dataclass(frozen=True)
class DemoReviewer:
    email: str
    first_name: str
    last_name: str
    affiliation: str
    keywords: tuple[str, ...]
    fields: tuple[str, ...]
    max_load: int
    employers: tuple[dict, ...] = ()


REVIEWERS = (
    DemoReviewer(
        "sofia.andersson@kth.example",
        "Sofia",
        "Andersson",
        "KTH Royal Institute of Technology",
        ("large language models", "multilingual NLP", "speech recognition", "instruction tuning"),
        ("Computer science", "Language technology"),
        6,
    ),
    DemoReviewer(
        "javier.romero@upc.example",
        "Javier",
        "Romero",
        "Universitat Politècnica de Catalunya",
        ("weather forecasting", "climate", "graph neural networks", "energy forecasting"),
        ("Earth sciences", "Computer science"),
        7,
    ),
    DemoReviewer(
        "chiara.conti@polimi.example",
        "Chiara",
        "Conti",
        "Politecnico di Milano",
        ("earth observation", "remote sensing", "vision-language models", "document understanding"),
        ("Computer vision", "Remote sensing"),
        6,
        # A company of the same name, dissolved long before today's Lagunare AI was founded:
        # the portal flags the name, the officer dismisses it.
        (
            {
                "name": "Lagunare A.I. S.r.l.",
                "registration_number": "PD-301442",
                "vat_number": "",
                "from_year": 2010,
                "to_year": 2013,
            },
        ),
    ),
    DemoReviewer(
        "jakub.lewandowski@pw.example",
        "Jakub",
        "Lewandowski",
        "Warsaw University of Technology",
        ("robotics", "reinforcement learning", "retrieval-augmented generation", "legal NLP"),
        ("Robotics", "Computer science"),
        6,
        # He worked for an applicant until recently: the registration number matches.
        (
            {
                "name": "Wisła Semantics sp. z o.o.",
                "registration_number": "KRS 0000912345",
                "vat_number": "",
                "from_year": 2022,
                "to_year": 2024,
            },
        ),
    ),
)
# Who declares a conflict with which project (by acronym), and who is assigned by hand.
DECLARING = ("sofia.andersson@kth.example", "SKALD-AUDIO", ConflictType.COLLABORATION)
DECLARED_NOTE = "I co-supervise a doctoral student with Fjärran Audio's head of research."
HAND_ASSIGNED = ("javier.romero@upc.example", "KRAS-CLIMATE")
CONFIRM_REASON = "He left the applicant less than three years ago: a conflict under the terms."
DISMISS_REASON = (
    "A different company: the Lagunare A.I. she worked for in Padua was dissolved in 2014 "
    "(another registration number); today's Lagunare AI was founded in Venice in 2022."
)


# --- the moments of the story ----------------------------------------------------------------


class _Clock:
    def __init__(self, now: datetime, calendar: WorkingCalendar):
        self.now, self.calendar = now, calendar

    def at(self, days_ago: float, hours: float = 0) -> datetime:
        """`hours` office hours after `days_ago` days before now (office hours count from the
        next opening); a weekend just before now moves it a day earlier, so it is at least an
        hour before now."""
        start = self.now - timedelta(days=days_ago)
        moment = office_hours_after(start, hours=hours, calendar=self.calendar)
        while moment > self.now - timedelta(hours=1):  # a weekend just before now
            start -= DAY
            moment = office_hours_after(start, hours=hours, calendar=self.calendar)
        return moment


def _play(steps: list[tuple[datetime, Callable[[], None]]]) -> None:
    """Each step at its moment, in time order, committed on its own (as the demo's clicks)."""
    for at, run in sorted(steps, key=lambda s: s[0]):
        with demo_moment(at), transaction.atomic():
            run()


def review_cutoff(*, now: datetime | None = None) -> CutOff | None:
    """The Large Scale cut-off the demo's peer review happens at: of those that closed at least
    four weeks ago, the one with the most submitted proposals (the latest on a tie)."""
    now = now or timezone.now()
    call = Call.objects.filter(mode=AccessMode.LARGE_SCALE).order_by("pk").first()
    if call is None:
        return None
    return (
        call.cutoffs.filter(at__lte=now - CUTOFF_AGE)
        .annotate(n=Count("proposals", filter=Q(proposals__submitted_at__isnull=False)))
        .filter(n__gt=0)
        .order_by("-n", "-at")
        .first()
    )


# --- assessments (before the first-come-first-served chapter's sweeps) ------------------------

TO_APPLICANT = (
    "Feasible. The requested job size scales well on this partition; plan checkpoints at least "
    "every 4 hours, as jobs are limited to 48 hours."
)
TO_PANEL = "Realistic plan; the recommended hours leave room for the queue in the busy months."


def review_assessment_demo_chapter(*, officer) -> None:
    """The centres assess the eligible proposals of the reviewed cut-off at their moments (a
    working day after eligibility), before the periodic sweep would find them late."""
    cutoff = review_cutoff()
    if cutoff is None:
        return
    now, calendar = timezone.now(), working_calendar()
    waiting = TechnicalAssessment.objects.filter(
        proposal__cutoff=cutoff,
        proposal__status__in=(ProposalStatus.ELIGIBLE, ProposalStatus.IN_REVIEW),
    ).exclude(status=TechnicalAssessment.Status.SUBMITTED)
    assessor = get_user_model().objects.filter(email=DEMO_ASSESSOR_EMAIL).first()
    for assessment in waiting.select_related("request", "centre", "proposal", "proposal__call"):
        moment = evaluation_moments(assessment.proposal, now=now, calendar=calendar).assessment
        # Most requests are recommended in full, some trimmed to what the queue allows.
        share = 10 if assessment.pk % 3 else 8
        with demo_moment(moment), transaction.atomic():
            assessment_submit(
                assessment=assessment,
                by=_centre_assessor(assessment.centre, assessor),
                outcome=(
                    TechnicalAssessment.Outcome.FEASIBLE
                    if share == 10
                    else TechnicalAssessment.Outcome.FEASIBLE_WITH_CHANGES
                ),
                recommended_hours=assessment.request.hours * share // 10,
                comment_to_applicant=TO_APPLICANT,
                comment_to_panel=TO_PANEL,
            )


# --- the pool and conflicts ------------------------------------------------------------------


def _reviewer_user(spec: DemoReviewer):
    users = get_user_model().objects
    user = users.filter(email=spec.email).first()
    if user is None:
        from applications.management.commands.seed_demo import DEMO_PASSWORD

        user = users.create_user(
            email=spec.email, first_name=spec.first_name, last_name=spec.last_name
        )
        user.password = make_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    EmailAddress.objects.get_or_create(
        user=user, email=spec.email, defaults={"verified": True, "primary": True}
    )
    return user


def _pool_steps(call: Call, officer, clock: _Clock) -> list:
    steps = []
    for n, spec in enumerate(REVIEWERS):
        if PoolInvitation.objects.filter(call=call, email=spec.email).exists():
            continue

        def invite(spec=spec):
            pool_invite(call=call, by=officer, email=spec.email)

        def join(spec=spec):
            user = _reviewer_user(spec)
            invitation = PoolInvitation.objects.get(call=call, email=spec.email)
            pool_invitation_accept(invitation=invitation, user=user)
            user = get_user_model().objects.get(pk=user.pk)  # the new role, uncached
            pool_terms_accept(call=call, user=user)
            reviewer_profile_update(
                user=user,
                values={
                    "expertise_keywords": list(spec.keywords),
                    "expertise_fields": list(spec.fields),
                    "affiliation": spec.affiliation,
                    "email_domains": [spec.email.rsplit("@", 1)[1]],
                    "max_load": spec.max_load,
                },
                employers=list(spec.employers),
            )

        steps.append((clock.at(POOL_DAYS_AGO, 1 + n * 0.25), invite))
        steps.append((clock.at(POOL_DAYS_AGO, 3 + n), join))
    return steps


def _conflict_steps(cutoff: CutOff, officer, clock: _Clock, by_acronym: dict) -> list:
    email, acronym, type_ = DECLARING
    steps = []
    proposal = by_acronym.get(acronym)
    if proposal is not None and not DeclaredConflict.objects.filter(
        reviewer__email=email, proposal=proposal
    ):

        def declare():
            reviewer = get_user_model().objects.get(email=email)
            conflict_declare(reviewer=reviewer, proposal=proposal, type=type_, note=DECLARED_NOTE)

        steps.append((clock.at(POOL_DAYS_AGO, 7.5), declare))

    def detect():
        conflicts_detect(cutoff=cutoff, by=officer)

    def decide():
        emails = [r.email for r in REVIEWERS]
        found = DetectedConflict.objects.filter(
            cutoff=cutoff, reviewer__email__in=emails, status=DetectedConflict.Status.DETECTED
        ).order_by("pk")
        # A matching registration number is a past employment: confirmed (with its name
        # match); a name alone, with another number, is another company: dismissed.
        by_number = {
            (c.reviewer_id, c.proposal_id) for c in found if c.rule == DetectionRule.EMPLOYER_NUMBER
        }
        for conflict in found:
            confirm = (
                conflict.rule != DetectionRule.EMPLOYER_NAME
                or (conflict.reviewer_id, conflict.proposal_id) in by_number
            )
            detected_conflict_decide(
                conflict=conflict,
                by=officer,
                confirm=confirm,
                reason=CONFIRM_REASON if confirm else DISMISS_REASON,
            )

    steps.append((clock.at(CONFLICTS_DAYS_AGO, 1), detect))
    steps.append((clock.at(CONFLICTS_DAYS_AGO, 2.5), decide))
    return steps


# --- bids and assignment ---------------------------------------------------------------------


def _bid_level(keywords: set[str], proposal: Proposal, n: int) -> str | None:
    if keywords & set(proposal.keywords or ()):
        return BidLevel.EAGER
    return (BidLevel.WILLING, None, BidLevel.RATHER_NOT, None)[n % 4]


def _assignment_steps(cutoff: CutOff, officer, clock: _Clock, proposals: list) -> list:
    users = get_user_model().objects
    steps = []
    email, acronym = HAND_ASSIGNED
    by_acronym = {p.acronym: p for p in proposals}

    def by_hand():
        reviewer = users.get(email=email)
        proposal = Proposal.objects.get(pk=by_acronym[acronym].pk)
        if (reviewer.pk, proposal.pk) in conflicted_pairs(cutoff):
            return
        no_conflict_confirm(reviewer=reviewer, proposal=proposal)
        assignment_add(proposal=proposal, reviewer=reviewer, by=officer)

    def accept_by_hand():
        reviewer = users.get(email=email)
        for assignment in ReviewAssignment.objects.filter(
            reviewer=reviewer, proposal__cutoff=cutoff, status=ReviewAssignment.Status.ASSIGNED
        ):
            assignment_answer(assignment=assignment, reviewer=reviewer, accept=True)

    if acronym in by_acronym:
        steps += [
            (clock.at(MANUAL_DAYS_AGO, 2), by_hand),
            (clock.at(MANUAL_DAYS_AGO - 1, 1.5), accept_by_hand),
        ]
    bidders = [DEMO_REVIEWER_EMAIL, *(r.email for r in REVIEWERS)]
    for n, bidder in enumerate(bidders):

        def bid(bidder=bidder, n=n):
            reviewer = users.select_related("reviewer_profile").get(email=bidder)
            profile = getattr(reviewer, "reviewer_profile", None)
            keywords = set(profile.expertise_keywords if profile else ())
            for m, proposal in enumerate(proposals):
                proposal = Proposal.objects.get(pk=proposal.pk)
                if not reviewer.has_perm("reviews.bid", proposal):
                    continue  # conflicted: never bid on
                level = _bid_level(keywords, proposal, n + m)
                if level:
                    bid_set(reviewer=reviewer, proposal=proposal, level=level)

        steps.append((clock.at(BIDS_DAYS_AGO - n * 0.5, 2 + n), bid))

    def run():
        assignment_run_create(cutoff=cutoff, by=officer)

    def apply():
        latest = AssignmentRun.objects.filter(cutoff=cutoff).order_by("-created_at", "-pk")[0]
        assignment_run_apply(run=latest, by=officer)

    steps += [(clock.at(RUN_DAYS_AGO, 1), run), (clock.at(RUN_DAYS_AGO, 1.75), apply)]
    return steps


# --- the reviews -----------------------------------------------------------------------------

# What reviewers write to the applicant, per criterion (by position) and level (high 4-5,
# middle 3, low 0-2); a few variants so that three reviews of one proposal do not read alike.
COMMENTS = {
    0: {
        "high": (
            "The objectives are clear and ambitious, and the choice of a {model} is well argued "
            "against the current open models. The evaluation plan names its baselines and "
            "measures of success.",
            "A convincing scientific case: the proposal explains what is new compared with "
            "existing models and how the results will be measured.",
        ),
        "middle": (
            "The objectives are sound, but the proposal compares itself with few existing "
            "models; name the baselines and the benchmarks you will report.",
            "The approach is reasonable, though the novelty over published work is argued only "
            "briefly. A short ablation plan would make the case stronger.",
        ),
        "low": (
            "The scientific objectives stay vague: the proposal does not say which questions the "
            "runs will answer or how success will be measured.",
        ),
    },
    1: {
        "high": (
            "The expected impact is concrete: named users, a release plan for the results, and "
            "a credible path to a product in Europe.",
            "Strong impact for European users; the commitment to openly release the results "
            "adds to it.",
        ),
        "middle": (
            "The impact is plausible but described in general terms; say who will use the "
            "results first and how you will know that it worked.",
            "A useful application, though the market and the users' need are asserted rather "
            "than shown.",
        ),
        "low": (
            "The proposal does not show who will use the results or why they would be better "
            "than what exists.",
        ),
    },
    2: {
        "high": (
            "A well-planned implementation: scaling tests first, checkpoints, and a team that "
            "has run jobs of this size before. The requested hours match the plan.",
            "The work plan is realistic and the hours are justified run by run.",
        ),
        "middle": (
            "The plan is feasible, but the hours for the main runs are not broken down; add the "
            "number of runs and their length.",
            "Implementation is mostly convincing; the risk of data-loading bottlenecks at this "
            "scale deserves a fallback.",
        ),
        "low": (
            "The implementation plan is not convincing: the hours are requested as one block "
            "with no scaling tests, and the team has not yet run jobs beyond a few nodes. Plan "
            "a smaller first phase and justify the hours run by run.",
            "The requested hours are not justified by the plan, and the data pipeline is not "
            "yet ready for the system. Show a tested pipeline and a breakdown of the runs.",
        ),
    },
}
TO_PANEL_BY_RECOMMENDATION = {
    "fund": "One of the strongest proposals I read; I would fund it in full.",
    "fund_if_capacity": (
        "Good but not outstanding; fund if the pool allows, perhaps with fewer hours."
    ),
    "do_not_fund": (
        "Not ready for this scale. A Fast Lane request first would let the team show the "
        "pipeline works."
    ),
}
# Base scores of a proposal on the three criteria, and each reviewer's leaning (by place).
BASE = (4, 4, 4)
LEANING = ((0, 0, 0), (0, -1, 0), (1, 0, -1))
# The proposal the panel will see fail the implementation threshold, and one where two
# reviewers disagree by two points on excellence (by place among the completed proposals).
WEAK_IMPLEMENTATION = (2, 2, 1)


def _level(score: int) -> str:
    return "high" if score >= 4 else "middle" if score == 3 else "low"


def _review_values(
    proposal: Proposal,
    criteria: list[EvaluationCriterion],
    place: int,
    *,
    weak: bool,
    disagree: bool,
    keywords: set[str],
) -> dict:
    shift = proposal.pk % 2  # half of the proposals a little stronger
    values = {}
    scores = []
    for j, criterion in enumerate(criteria[:3]):
        score = BASE[j] + (shift if j == 1 else 0) + LEANING[place % 3][j]
        if weak:
            score = WEAK_IMPLEMENTATION[place % 3] if j == 2 else score - 1
        if disagree and j == 0:
            score = (5, 4, 3)[place % 3]
        score = max(criterion.scale_min, min(criterion.scale_max, score))
        scores.append(score)
        variants = COMMENTS[j][_level(score)]
        text = variants[(proposal.pk + place) % len(variants)]
        values[score_field(criterion.pk)] = score
        values[comment_field(criterion.pk)] = text.format(model=proposal.model_type or "model")
    for criterion in criteria[3:]:  # a call with more criteria: a middle score
        values[score_field(criterion.pk)] = (criterion.scale_min + criterion.scale_max) // 2
        values[comment_field(criterion.pk)] = COMMENTS[1]["middle"][0]
    mean = sum(scores) / len(scores)
    recommendation = (
        "do_not_fund" if min(scores) <= 2 else "fund" if mean >= 4 else "fund_if_capacity"
    )
    overlap = keywords & set(proposal.keywords or ())
    values["confidence"] = "high" if overlap else "medium" if place % 3 != 2 else "low"
    values["recommendation"] = recommendation
    values["comment_to_panel"] = TO_PANEL_BY_RECOMMENDATION[recommendation]
    return values


@dataclass
class _Plan:
    """What happens to each assignment after the run: answered, reviewed or left as it is."""

    draft: ReviewAssignment | None = None  # the demo reviewer's draft
    unanswered: ReviewAssignment | None = None  # the demo reviewer's, still to answer
    declined: ReviewAssignment | None = None
    overdue: ReviewAssignment | None = None  # assigned by hand, never started
    submitted: tuple[ReviewAssignment, ...] = ()


def _plan(cutoff: CutOff) -> _Plan:
    rows = list(
        ReviewAssignment.objects.filter(proposal__cutoff=cutoff)
        .select_related("reviewer", "proposal")
        .order_by("proposal_id", "reviewer_id")
    )
    plan = _Plan()
    plan.overdue = next((a for a in rows if a.source == ReviewAssignment.Source.MANUAL), None)
    special = {plan.overdue.proposal_id} if plan.overdue else set()
    demo = [
        a for a in rows if a.reviewer.email == DEMO_REVIEWER_EMAIL and a.proposal_id not in special
    ]
    if len(demo) >= 3:
        plan.draft, plan.unanswered = demo[-1], demo[-2]
        special |= {plan.draft.proposal_id, plan.unanswered.proposal_id}
        plan.declined = next(
            (
                a
                for a in rows
                if a.proposal_id == plan.unanswered.proposal_id
                and a.reviewer.email != DEMO_REVIEWER_EMAIL
            ),
            None,
        )
    left_open = {id(a) for a in (plan.draft, plan.unanswered, plan.declined, plan.overdue) if a}
    plan.submitted = tuple(a for a in rows if id(a) not in left_open)
    return plan


def _review_steps(cutoff: CutOff, clock: _Clock) -> list:
    plan = _plan(cutoff)
    criteria = list(EvaluationCriterion.objects.filter(call_id=cutoff.call_id).order_by("position"))
    users = get_user_model().objects
    by_proposal: dict[int, list[ReviewAssignment]] = defaultdict(list)
    for assignment in ReviewAssignment.objects.filter(proposal__cutoff=cutoff).order_by(
        "proposal_id", "reviewer_id"
    ):
        by_proposal[assignment.proposal_id].append(assignment)
    open_proposals = {
        a.proposal_id for a in (plan.draft, plan.unanswered, plan.declined, plan.overdue) if a
    }
    complete = sorted({a.proposal_id for a in plan.submitted} - open_proposals)
    weak = complete[-1] if complete else None
    disagree = complete[0] if len(complete) > 1 else None
    steps = []

    def keywords_of(user) -> set[str]:
        profile = getattr(user, "reviewer_profile", None)
        return set(profile.expertise_keywords if profile else ())

    answerable = [a for a in (*plan.submitted, plan.draft, plan.declined) if a is not None]
    answered_at: dict[int, datetime] = {}
    for n, assignment in enumerate(answerable):
        if assignment.status != ReviewAssignment.Status.ASSIGNED:
            continue
        accept = assignment is not plan.declined
        answered_at[assignment.pk] = clock.at(RUN_DAYS_AGO - 1, 1 + (n % 8))

        def answer(pk=assignment.pk, accept=accept):
            row = ReviewAssignment.objects.select_related("reviewer", "proposal").get(pk=pk)
            reviewer = users.get(pk=row.reviewer_id)
            if accept:
                no_conflict_confirm(reviewer=reviewer, proposal=row.proposal)
            assignment_answer(
                assignment=row, reviewer=reviewer, accept=accept, reason=DECLINE_REASON
            )

        steps.append((answered_at[assignment.pk], answer))

    # The reviews come in over the two weeks after the assignment: most proposals have their
    # three in the first week (the right of reply opens for them then, and its deadline has
    # passed by now), the rest in the second week (one complete a few days ago: its reply is
    # still open).
    late_complete = [p for p in complete if p != weak][-1:] if len(complete) > 2 else []
    early = [
        a
        for a in plan.submitted
        if a.proposal_id in complete and a.proposal_id not in late_complete
    ]
    # The late-complete proposal's reviews last: its reply opened only a few days ago.
    late = sorted(
        (a for a in plan.submitted if a not in early),
        key=lambda a: a.proposal_id in late_complete,
    )
    timed = [(a, 15 - (n * 4 // max(len(early), 1))) for n, a in enumerate(early)]
    timed += [(a, 10 - (n * 7 // max(len(late), 1))) for n, a in enumerate(late)]
    for n, (assignment, days_ago) in enumerate(timed):
        place = by_proposal[assignment.proposal_id].index(assignment)
        at = clock.at(days_ago, 2 + n % 6)
        if assignment.pk in answered_at:  # a weekend may fold both onto one Monday
            at = max(at, answered_at[assignment.pk] + timedelta(hours=1))

        def submit(pk=assignment.pk, place=place):
            row = ReviewAssignment.objects.select_related("proposal").get(pk=pk)
            reviewer = users.select_related("reviewer_profile").get(pk=row.reviewer_id)
            review_open(assignment=row, reviewer=reviewer)
            values = _review_values(
                row.proposal,
                criteria,
                place,
                weak=row.proposal_id == weak,
                disagree=row.proposal_id == disagree,
                keywords=keywords_of(reviewer),
            )
            review_save(assignment=row, reviewer=reviewer, values=values, expected_version=None)
            review_submit(assignment=row, reviewer=reviewer)

        steps.append((at, submit))

    if plan.draft is not None:

        def draft(pk=plan.draft.pk):
            row = ReviewAssignment.objects.select_related("proposal").get(pk=pk)
            reviewer = users.select_related("reviewer_profile").get(pk=row.reviewer_id)
            values = _review_values(
                row.proposal, criteria, 0, weak=False, disagree=False, keywords=set()
            )
            # Halfway through: two criteria scored and commented, nothing for the panel yet.
            partial = {
                k: v
                for k, v in values.items()
                if k.endswith(tuple(f"_{c.pk}" for c in criteria[:2]))
            }
            review_save(assignment=row, reviewer=reviewer, values=partial, expected_version=None)

        steps.append((clock.at(1, 3), draft))

    # The periodic reminders, at the moments the job would have found each one due.
    deadlines = set(
        ReviewAssignment.objects.filter(proposal__cutoff=cutoff).values_list("deadline", flat=True)
    )
    for deadline in sorted(d for d in deadlines if d is not None):
        for moment in (deadline - 7 * DAY, deadline - 2 * DAY, deadline):
            moment += timedelta(hours=6)
            if moment < clock.now:
                steps.append((moment, review_reminders_send))
    return steps


# --- the chapter -----------------------------------------------------------------------------


def review_demo_seed(*, officer, now: datetime | None = None) -> bool:
    """Play the peer review of the reviewed cut-off; False when there is none or it is done."""
    now = now or timezone.now()
    cutoff = review_cutoff(now=now)
    if cutoff is None:
        return False
    if Review.objects.filter(proposal__cutoff=cutoff).exists():
        return False
    clock = _Clock(now, working_calendar())
    call = cutoff.call
    proposals = list(
        Proposal.objects.filter(
            cutoff=cutoff, status__in=(ProposalStatus.ELIGIBLE, ProposalStatus.IN_REVIEW)
        ).order_by("submitted_at", "pk")
    )
    if not proposals:
        return False
    by_acronym = {p.acronym: p for p in proposals}
    if not AssignmentRun.objects.filter(cutoff=cutoff).exists():
        _play(_pool_steps(call, officer, clock))
        _play(_conflict_steps(cutoff, officer, clock, by_acronym))
        _play(_assignment_steps(cutoff, officer, clock, proposals))
    _play(_review_steps(cutoff, clock))
    return True


def review_demo_chapter(*, officer) -> None:
    """The demo's peer review chapter (applications.hooks.demo_chapters), after the pool."""
    review_demo_seed(officer=officer)
