"""Proposal keywords: typed on the summary section (autosave too), up to 10 of at most 60
characters with clear errors, and matched against reviewers' expertise by the assignment."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from applications.services.proposals import proposal_update
from reviews.models import ReviewerProfile
from reviews.services.assignment import assignment_problem_build
from tests.factories import ProposalFactory, eligible_proposal, pool_member, scoring_world

pytestmark = pytest.mark.django_db


def test_keywords_are_cleaned_and_limited():
    proposal = ProposalFactory()
    by = proposal.created_by
    saved = proposal_update(
        proposal=proposal,
        by=by,
        data={"keywords": [" Large  language models", "RLHF", "rlhf", ""]},
        expected_version=None,
    )
    assert saved.keywords == ["Large language models", "RLHF"]
    with pytest.raises(ValidationError) as exc:
        proposal_update(
            proposal=proposal,
            by=by,
            data={"keywords": [f"k{n}" for n in range(11)]},
            expected_version=None,
        )
    assert "at most 10 keywords; you gave 11" in exc.value.message_dict["keywords"][0]
    with pytest.raises(ValidationError) as exc:
        proposal_update(
            proposal=proposal, by=by, data={"keywords": ["x" * 61]}, expected_version=None
        )
    assert "at most 60" in exc.value.message_dict["keywords"][0]
    with pytest.raises(ValidationError):
        proposal_update(
            proposal=proposal, by=by, data={"keywords": {"a": 1}}, expected_version=None
        )


def test_the_summary_section_autosaves_keywords_and_keeps_a_refused_list(client):
    proposal = ProposalFactory()
    client.force_login(proposal.created_by)
    url = reverse("applications:proposal_autosave", args=[proposal.pk, "summary"])
    response = client.post(url, {"version": proposal.version, "keywords": "LLM, speech, robotics"})
    assert 'data-save-state="saved"' in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.keywords == ["LLM", "speech", "robotics"]
    too_many = ", ".join(f"k{n}" for n in range(12))
    response = client.post(
        url, {"version": proposal.version, "keywords": too_many, "title": "Still saved"}
    )
    assert "at most 10 keywords" in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.title == "Still saved" and proposal.keywords == ["LLM", "speech", "robotics"]
    page = client.get(reverse("applications:proposal_section", args=[proposal.pk, "summary"]))
    assert 'value="LLM, speech, robotics"' in page.content.decode()


def test_the_assignment_matches_proposal_keywords_with_reviewers_expertise():
    world = scoring_world(criteria=1)
    proposal = eligible_proposal(world.cutoff, keywords=["Speech", "Robotics"])
    reviewer = pool_member(world.cutoff.call)
    ReviewerProfile.objects.create(user=reviewer, expertise_keywords=["speech"])
    problem = assignment_problem_build(cutoff=world.cutoff, fill_gaps_only=False)
    (need,) = problem.proposals
    assert need.id == proposal.pk and need.keywords == frozenset({"speech", "robotics"})
