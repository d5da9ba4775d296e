"""OpenAPI parameters the evaluation's endpoints share."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter


def path_id(description: str) -> OpenApiParameter:
    """The `id` in an endpoint's path, described for what it names ("Cut-off id.")."""
    return OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description=description)
