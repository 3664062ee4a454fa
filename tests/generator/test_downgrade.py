"""3.1 → 3.0.3 downgrade: each conversion, and validity of the converted documents."""

from __future__ import annotations

from typing import Any

import pytest
from openapi_spec_validator import OpenAPIV30SpecValidator

from generator.downgrade import convert_schema, downgrade
from generator.load import load
from tests.generator.helpers import REAL_SPEC

REF = {"$ref": "#/components/schemas/Client"}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ({"type": ["string", "null"]}, {"type": "string", "nullable": True}),
        (
            {"anyOf": [{"type": "integer", "minimum": 0}, {"type": "null"}]},
            {"anyOf": [{"type": "integer", "minimum": 0, "nullable": True}]},
        ),
        (
            {"description": "d", "oneOf": [REF, {"type": "null"}]},
            {"allOf": [REF], "description": "d", "nullable": True},
        ),
        ({"type": "string", "examples": ["a", "b"]}, {"type": "string", "example": "a"}),
        ({"const": "client"}, {"enum": ["client"]}),
        ({"exclusiveMinimum": 0}, {"minimum": 0, "exclusiveMinimum": True}),
        ({"exclusiveMaximum": 9}, {"maximum": 9, "exclusiveMaximum": True}),
        ({**REF, "description": "d"}, {"allOf": [REF], "description": "d"}),
        (
            {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "string"},
            {"type": "string"},
        ),
        (
            {"type": "object", "properties": {"a": {"type": ["integer", "null"], "examples": [1]}}},
            {
                "type": "object",
                "properties": {"a": {"type": "integer", "nullable": True, "example": 1}},
            },
        ),
        (
            {"type": "array", "items": {"const": 1}},
            {"type": "array", "items": {"enum": [1]}},
        ),
    ],
    ids=[
        "type-null",
        "anyof-inline",
        "oneof-ref",
        "examples",
        "const",
        "exclusive-min",
        "exclusive-max",
        "ref-siblings",
        "dollar-schema",
        "nested-properties",
        "nested-items",
    ],
)
def test_schema_conversion(source: dict[str, Any], expected: dict[str, Any]) -> None:
    """Each 3.1 spelling becomes its documented 3.0.3 equivalent."""
    assert convert_schema(source) == expected


def test_document_level_changes(mini_data: dict[str, Any]) -> None:
    """3.1-only top-level keys go, the version is 3.0.3 and bearerAuth gets its hook."""
    out = downgrade(mini_data)
    assert out["openapi"] == "3.0.3"
    assert "webhooks" not in out
    assert "jsonSchemaDialect" not in out
    assert "summary" not in out["info"]
    assert "identifier" not in out["info"]["license"]
    bearer = out["components"]["securitySchemes"]["bearerAuth"]
    assert bearer["x-bearerInfoFunc"] == "server.http.auth.bearer_info"


def test_parameter_examples_map_is_not_touched() -> None:
    """`examples` on a parameter is a map of Example Objects in both versions and stays."""
    param = {
        "name": "q",
        "in": "query",
        "schema": {"type": "string"},
        "examples": {"a": {"value": "x"}},
    }
    doc = {"openapi": "3.1.0", "paths": {"/xs": {"get": {"parameters": [param]}}}}
    assert downgrade(doc)["paths"]["/xs"]["get"]["parameters"][0]["examples"] == {
        "a": {"value": "x"}
    }


def test_source_is_not_mutated(mini_data: dict[str, Any]) -> None:
    """The 3.1 data is copied, never converted in place."""
    before = repr(mini_data)
    downgrade(mini_data)
    assert repr(mini_data) == before


def test_converted_mini_is_valid_30(mini_data: dict[str, Any]) -> None:
    """openapi-spec-validator accepts the converted mini document as 3.0."""
    assert [e.message for e in OpenAPIV30SpecValidator(downgrade(mini_data)).iter_errors()] == []


@pytest.mark.skipif(not REAL_SPEC.exists(), reason="openapi/api-v1.yaml is not written yet")
def test_converted_real_document_is_valid_30() -> None:
    """openapi-spec-validator accepts the converted real document as 3.0."""
    data = downgrade(load(REAL_SPEC).data)
    assert [e.message for e in OpenAPIV30SpecValidator(data).iter_errors()] == []
