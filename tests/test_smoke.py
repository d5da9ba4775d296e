import pytest

from tests.factories import ProposalFactory, ResourceRequestFactory


@pytest.mark.django_db
def test_factories_build_a_consistent_proposal():
    request = ResourceRequestFactory()
    assert request.offered_partition.call_id == request.proposal.call_id
    assert ProposalFactory().cutoff.call_id is not None


@pytest.mark.django_db
def test_home_page_renders(client):
    assert client.get("/").status_code == 200
