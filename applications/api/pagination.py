"""Pagination of the API's long lists."""

from rest_framework.pagination import CursorPagination


class RecentFirstPagination(CursorPagination):
    """Most recently changed first, page after page by an opaque cursor (`next`, `previous`).

    A page reads its rows from the index on (updated_at, id) and stops: it costs the same on the
    first page and the hundredth, and the list is never counted.
    """

    ordering = ("-updated_at", "-id")
