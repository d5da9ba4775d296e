"""The building blocks of bounded input: the JSON limits validator, the parser's scan for the
member that nests too deep, and the file-name clean-up."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from portal.parsers import MAX_JSON_DEPTH, _too_deep_at
from portal.validators import JSONLimitsValidator, model_field_errors

LIMITS = JSONLimitsValidator(max_bytes=100, max_depth=2)


@pytest.mark.parametrize(
    "value", [{}, {"a": 1}, {"a": [1, 2]}, {"a": {"b": "c"}}, ["x"] * 10, "text", 7, None]
)
def test_values_within_the_limits_pass(value):
    LIMITS(value)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ({"a": {"b": {"c": 1}}}, "json_too_deep"),
        ([[[1]]], "json_too_deep"),
        ({"a": "x\x00"}, "null_characters_not_allowed"),
        ({"a\x00": "x"}, "null_characters_not_allowed"),
        (["ok", ["\x00"]], "null_characters_not_allowed"),
        ({"a": "x" * 200}, "json_too_large"),
        ({"é": "é" * 60}, "json_too_large"),  # counted in UTF-8 bytes, not characters
    ],
)
def test_values_beyond_the_limits_are_refused_with_their_reason(value, code):
    with pytest.raises(ValidationError) as refused:
        LIMITS(value)
    assert refused.value.code == code


def test_a_hostile_depth_is_checked_without_recursion():
    value: list = []
    for _ in range(100_000):
        value = [value]
    with pytest.raises(ValidationError):
        LIMITS(value)


def test_the_validator_is_comparable_for_migrations():
    assert JSONLimitsValidator(max_bytes=1, max_depth=1) == JSONLimitsValidator(
        max_bytes=1, max_depth=1
    )
    assert JSONLimitsValidator(max_bytes=1, max_depth=1) != JSONLimitsValidator(
        max_bytes=2, max_depth=1
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('{"a": 1, "deep": ' + "[" * 40 + "]" * 40 + "}", "deep"),
        ('{"text": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", "deep": ' + "{" * 40, "deep"),
        ('{"say \\"[\\"": [1], "x": ' + "[" * 40, "x"),
        ("[" * 40, ""),
        ('{"a": [1, {"b": 2}], "c": "d"}', None),
    ],
)
def test_the_scan_names_the_top_level_member_that_nests_too_deep(body, field):
    assert _too_deep_at(body, MAX_JSON_DEPTH) == field


def test_model_field_errors_name_each_failing_field():
    from applications.models import ResourceRequest

    errors = model_field_errors(
        ResourceRequest, {"justification": "x" * 10_001, "estimator_inputs": {"a": 1}}
    )
    assert list(errors) == ["justification"]
