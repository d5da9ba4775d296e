"""Partition names in pages: whole on one line (no break at the hyphen of "LUMI-G"), escaped."""

import pytest
from django.template import Context, Template

from tests.factories import PartitionFactory


def _render(source: str, **context) -> str:
    return Template("{% load partitions %}" + source).render(Context(context))


@pytest.mark.django_db
def test_the_partition_name_is_kept_on_one_line_with_its_centre():
    partition = PartitionFactory(system_name="LUMI", name="LUMI-G", centre__short_name="CSC")
    assert _render("{{ p|partition_name }}", p=partition) == (
        'LUMI <span class="text-nowrap">LUMI-G</span> (CSC)'
    )
    assert _render("{{ p|partition_name:False }}", p=partition) == (
        'LUMI <span class="text-nowrap">LUMI-G</span>'
    )


@pytest.mark.django_db
def test_the_partition_name_is_escaped():
    partition = PartitionFactory(system_name="<b>X</b>", name="A&B")
    html = _render("{{ p|partition_name:False }}", p=partition)
    assert html == '&lt;b&gt;X&lt;/b&gt; <span class="text-nowrap">A&amp;B</span>'
