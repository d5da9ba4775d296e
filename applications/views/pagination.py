"""Pages of long lists that never count every row: the count is given (a kept figure), or not
known at all, in which case a page reads one row more than it shows to learn whether another
page follows."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from django.core.paginator import Paginator


class CountedPaginator(Paginator):
    """A Django paginator told its count instead of running COUNT(*) over the list."""

    def __init__(self, object_list, per_page, *, count: int, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self._given_count = max(0, count)

    @cached_property
    def count(self) -> int:
        return self._given_count

    def page(self, number):
        # A page always holds up to per_page rows of the list itself: the given count only says
        # how many pages there are, so a figure that lags a moment never hides a row.
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        return self._get_page(self.object_list[bottom : bottom + self.per_page], number, self)


@dataclass
class UncountedPage:
    """One page of a list of unknown length; quacks like django.core.paginator.Page where the
    templates use it (no `paginator.count`, no last page)."""

    object_list: list
    number: int
    more: bool = False
    paginator: None = field(default=None, repr=False)

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    def has_next(self) -> bool:
        return self.more

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next() or self.has_previous()

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


def page_number(raw) -> int:
    try:
        return max(1, int(raw))
    except (TypeError, ValueError):
        return 1


def uncounted_page(queryset, per_page: int, number) -> UncountedPage:
    number = page_number(number)
    start = (number - 1) * per_page
    rows = list(queryset[start : start + per_page + 1])
    if not rows and number > 1:  # past the end (a stale link): show the first page
        return uncounted_page(queryset, per_page, 1)
    return UncountedPage(object_list=rows[:per_page], number=number, more=len(rows) > per_page)
