"""The API's JSON parser: bounded in size and nesting, so hostile input is a 400, never a 500.

Python's json module recurses once per nesting level: `[` repeated 100,000 times exhausts the
stack (RecursionError). DRF reads the body as a stream, past Django's DATA_UPLOAD_MAX_MEMORY_SIZE,
so the size is bounded here too.
"""

from __future__ import annotations

import json
import re

from django.conf import settings
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser

# Far deeper than any of the API's inputs (the deepest is two levels); the fields' own
# validators set the real limits and name the field.
MAX_JSON_DEPTH = 32
DEFAULT_MAX_JSON_BYTES = 2 * 1024 * 1024


def max_json_bytes() -> int:
    """Setting API_JSON_MAX_BYTES."""
    return int(getattr(settings, "API_JSON_MAX_BYTES", DEFAULT_MAX_JSON_BYTES))


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "too_large"


_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}:,]')


def _too_deep_at(text: str, max_depth: int) -> str | None:
    """The top-level member whose value nests deeper than max_depth ("" when it is not inside a
    member of a top-level object, None when nothing does). A scan of strings and brackets only:
    it needs no parse, so it also works on a body too deep to parse."""
    open_brackets: list[str] = []
    key = ""
    expecting_key = False
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            open_brackets.append(token)
            if len(open_brackets) > max_depth:
                return key
            expecting_key = open_brackets == ["{"]
        elif token in ("]", "}"):
            if open_brackets:
                open_brackets.pop()
        elif token == ",":
            expecting_key = open_brackets == ["{"]
        elif token == ":":
            expecting_key = False
        elif expecting_key:
            try:
                key = json.loads(token)
            except ValueError:
                key = ""
            expecting_key = False
    return None


def _depth_error(text: str) -> ParseError:
    field = _too_deep_at(text, MAX_JSON_DEPTH)
    message = (
        f"The JSON is nested more than {MAX_JSON_DEPTH} levels deep; no field of this API takes "
        "values that deep."
    )
    if field:
        return ParseError({field: [message]})
    return ParseError(f"JSON parse error - {message}")


class BoundedJSONParser(JSONParser):
    """JSONParser that refuses bodies over API_JSON_MAX_BYTES (413) and JSON nested deeper than
    MAX_JSON_DEPTH levels (400, naming the top-level field that holds it)."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        limit = max_json_bytes()
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise RequestTooLarge(
                f"The request body is larger than {limit:,} bytes; send less at a time."
            )
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as exc:
            raise ParseError(f"JSON parse error - the body is not valid {encoding}.") from exc
        try:
            data = json.loads(text, parse_constant=_refuse_constant)
        except RecursionError:
            raise _depth_error(text) from None
        except ValueError as exc:
            # Say the more useful thing about a body that is both broken and too deep.
            if _too_deep_at(text, MAX_JSON_DEPTH) is not None:
                raise _depth_error(text) from None
            raise ParseError(f"JSON parse error - {exc}") from exc
        if _nesting(data) > MAX_JSON_DEPTH:
            raise _depth_error(text)
        return data


def _refuse_constant(name: str):
    # NaN and Infinity are not JSON (DRF's own parser refuses them in strict mode too).
    raise ValueError(f"Out of range float values are not permitted: {name}")


def _nesting(value) -> int:
    depth = 0
    stack = [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        level += 1
        if level > MAX_JSON_DEPTH:
            return level
        depth = max(depth, level)
        stack.extend((child, level) for child in children)
    return depth
