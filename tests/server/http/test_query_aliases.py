"""Query aliases: the canonical value each documented alias stands for, and nothing more."""

from __future__ import annotations

from typing import Any

import pytest

from server.http.query_aliases import AliasURIParser, canonical_query_value

BOOLEAN: dict[str, Any] = {"type": "boolean"}
STATUS: dict[str, Any] = {"type": "string", "enum": ["ACTIVE", "COMPLETED", "ARCHIVED"]}
PAYMENT: dict[str, Any] = {"type": "string", "enum": ["unpaid", "partially_paid", "paid"]}
SORT: dict[str, Any] = {"type": "string", "enum": ["name", "-name"]}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("true", True),
        ("TRUE", True),
        ("1", True),
        ("yes", True),
        ("Yes", True),
        ("false", False),
        ("0", False),
        ("no", False),
        ("NO", False),
        (True, True),
        (False, False),
    ],
)
def test_boolean_aliases_stand_for_booleans(value: Any, expected: bool) -> None:
    """true/false/1/0/yes/no in any case become the boolean they mean."""
    assert canonical_query_value("running", BOOLEAN, value) is expected


@pytest.mark.parametrize("value", ["maybe", "2", "", "on"])
def test_other_boolean_text_is_left_for_validation_to_refuse(value: str) -> None:
    """Text that is no documented alias is returned as is (and then fails `type: boolean`)."""
    assert canonical_query_value("running", BOOLEAN, value) == value


@pytest.mark.parametrize(
    ("schema", "value", "expected"),
    [
        (STATUS, "active", "ACTIVE"),
        (STATUS, "Archived", "ARCHIVED"),
        (STATUS, "ACTIVE", "ACTIVE"),
        (PAYMENT, "PARTIALLY_PAID", "partially_paid"),
        (STATUS, "paused", "paused"),
    ],
)
def test_enum_values_match_in_any_case(schema: dict[str, Any], value: str, expected: str) -> None:
    """Another case of a documented value becomes that value; unknown values stay as sent."""
    assert canonical_query_value("status", schema, value) == expected


def test_sort_keys_keep_their_exact_spelling() -> None:
    """`sort` is an allow-list, not a filter: `NAME` is not `name`."""
    assert canonical_query_value("sort", SORT, "NAME") == "NAME"


def test_strings_and_numbers_without_aliases_are_unchanged() -> None:
    """Parameters without boolean type or enum pass through untouched."""
    assert canonical_query_value("search", {"type": "string"}, "Yes") == "Yes"
    assert canonical_query_value("limit", {"type": "integer"}, 5) == 5


def test_the_uri_parser_hands_on_canonical_values() -> None:
    """Parsing the query string replaces aliases, so validation and handlers see one value."""
    params = [
        {"name": "running", "in": "query", "schema": BOOLEAN},
        {"name": "status", "in": "query", "schema": STATUS},
        {"name": "sort", "in": "query", "schema": SORT},
    ]
    parser = AliasURIParser(params, {})
    parsed = parser.resolve_query({"running": ["1"], "status": ["active"], "sort": ["NAME"]})
    assert parsed == {"running": True, "status": "ACTIVE", "sort": "NAME"}
