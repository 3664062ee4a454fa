"""Operation rules: paths, webhooks, security and parameters, one pair per rule."""

from __future__ import annotations

import pytest

from tests.generator.compat.helpers import HOOK, LIST, Pair, assert_pair, findings, op

NEW_OP = {"get": {"operationId": "getThing", "responses": {"200": {"description": "The thing."}}}}
NEW_HOOK = {"post": {"operationId": "onThingDeleted", "responses": {"200": {"description": "ok"}}}}
OPTIONAL_Q = {"name": "q", "in": "query", "schema": {"type": "string"}}
REQUIRED_ORG = {"name": "org", "in": "query", "required": True, "schema": {"type": "string"}}

PAIRS: list[Pair] = [
    (
        "C001",
        [op("remove", "/paths/~1things~1{id}")],
        ["C001 error DELETE /things/{id}: operation removed"],
    ),
    (
        "C001",
        [op("remove", "/webhooks/thing.created")],
        ["C001 error webhook thing.created: webhook event removed"],
    ),
    (
        "C003",
        [op("add", f"{LIST}/security", [{"bearer": ["things:read"]}])],
        [
            "C003 error GET /things: security requirement bearer [] no longer accepted",
            "C111 info GET /things: security alternative bearer [things:read] added",
        ],
    ),
    (
        "C004",
        [op("add", f"{LIST}/parameters/-", REQUIRED_ORG)],
        ["C004 error GET /things query org: new required parameter"],
    ),
    (
        "C004",
        [op("remove", f"{HOOK}/parameters/0")],
        ["C004 error webhook thing.created header Signature: header no longer sent"],
    ),
    (
        "C005",
        [op("add", f"{LIST}/parameters/1/required", True)],
        ["C005 error GET /things query limit: parameter became required"],
    ),
    (
        "C028",
        [op("remove", f"{LIST}/parameters/1")],
        ["C028 warn GET /things query limit: parameter removed"],
    ),
    (
        "C031",
        [op("add", f"{LIST}/parameters/1/explode", False)],
        ["C031 error GET /things query limit: explode changed from true to false"],
    ),
    (
        "C100",
        [op("add", "/paths/~1things~1{thingId}", NEW_OP)],
        ["C100 info GET /things/{thingId}: operation added (getThing)"],
    ),
    (
        "C101",
        [op("add", "/webhooks/thing.deleted", NEW_HOOK)],
        ["C101 info webhook thing.deleted: webhook event added (onThingDeleted)"],
    ),
    (
        "C102",
        [op("add", f"{LIST}/parameters/-", OPTIONAL_Q)],
        ["C102 info GET /things query q: parameter added"],
    ),
    (
        "C110",
        [op("add", f"{LIST}/deprecated", True)],
        ["C110 info GET /things: operation deprecated"],
    ),
    (
        "C111",
        [op("add", f"{LIST}/security", [{"bearer": []}, {"apiKey": []}])],
        ["C111 info GET /things: security alternative apiKey [] added"],
    ),
]


@pytest.mark.parametrize(("rule", "ops", "expected"), PAIRS, ids=[p[0] for p in PAIRS])
def test_pair_reports_exactly_its_findings(rule: str, ops: list, expected: list[str]) -> None:
    """The revision reports the rule's finding(s) and nothing else."""
    assert_pair(rule, ops, expected)


def test_renamed_path_parameter_is_the_same_path() -> None:
    """`/things/{id}` → `/things/{thingId}` keeps the operation (only the name changed)."""
    assert findings(
        [
            {"op": "move", "from": "/paths/~1things~1{id}", "path": "/paths/~1things~1{thingId}"},
            op("replace", "/paths/~1things~1{thingId}/delete/parameters/0/name", "thingId"),
        ]
    ) == [
        "C004 error DELETE /things/{thingId} path thingId: new required parameter",
        "C028 warn DELETE /things/{thingId} path id: parameter removed",
    ]


def test_new_optional_webhook_header_is_an_addition() -> None:
    """A header we start sending with a webhook breaks no receiver."""
    header = {"name": "Delivery-Id", "in": "header", "required": True, "schema": {"type": "string"}}
    assert findings([op("add", f"{HOOK}/parameters/-", header)]) == [
        "C102 info webhook thing.created header Delivery-Id: parameter added"
    ]
