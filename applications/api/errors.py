"""Turn the errors raised by applications.services into API responses.

Services raise Django's ValidationError (a message dict keyed by field) and EditConflict when an
edit is based on a stale version; the API answers 400 with the same field errors, or 409.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers, status
from rest_framework.exceptions import APIException
from rest_framework.settings import api_settings

from applications.services.proposals import EditConflict


class ConflictResponse(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Someone else changed this since you loaded it."
    default_code = "conflict"

    def __init__(self, body: dict):
        super().__init__()
        self.detail = body  # sent as is: numbers and nulls stay numbers and nulls


def field_errors(exc: DjangoValidationError) -> dict[str, list[str]]:
    """Django's error dict with the API's name for errors that belong to no single field."""
    if not hasattr(exc, "error_dict"):
        return {api_settings.NON_FIELD_ERRORS_KEY: list(exc.messages)}
    return {
        (api_settings.NON_FIELD_ERRORS_KEY if name == NON_FIELD_ERRORS else name): messages
        for name, messages in exc.message_dict.items()
    }


def conflict_body(exc: EditConflict) -> dict:
    """The message plus who saved the newer version and when, so the caller can reload and merge."""
    changed_by = getattr(exc, "changed_by", None)
    changed_at = getattr(exc, "changed_at", None)
    return {
        "detail": " ".join(exc.messages) or ConflictResponse.default_detail,
        "current_version": getattr(exc, "current_version", None),
        "changed_by": changed_by.display_name if changed_by is not None else None,
        "changed_at": (
            changed_at.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")
            if changed_at is not None
            else None
        ),
    }


@contextmanager
def service_errors() -> Iterator[None]:
    try:
        yield
    except EditConflict as exc:
        raise ConflictResponse(conflict_body(exc)) from exc
    except DjangoValidationError as exc:
        raise serializers.ValidationError(field_errors(exc)) from exc
