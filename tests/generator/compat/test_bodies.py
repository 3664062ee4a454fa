"""Request bodies and responses: statuses, headers and media types, one pair per rule."""

from __future__ import annotations

import pytest

from tests.generator.compat.helpers import (
    HOOK,
    LIST,
    POST,
    Pair,
    assert_pair,
    findings,
    op,
    printed,
    revise,
)

JSON = "application~1json"
BODY = {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}}
PAIRS: list[Pair] = [
    (
        "C002",
        [op("remove", f"{POST}/responses/201")],
        ["C002 error POST /things 201: success response removed"],
    ),
    (
        "C019",
        [op("remove", f"{LIST}/responses/200/headers/X-Request-Id")],
        ["C019 error GET /things 200: response header X-Request-Id removed"],
    ),
    (
        "C020",
        [
            {
                "op": "move",
                "from": f"{LIST}/responses/200/content/{JSON}",
                "path": f"{LIST}/responses/200/content/application~1problem+json",
            }
        ],
        [
            "C020 error GET /things 200: media type application/json removed",
            "C108 info GET /things 200: media type application/problem+json added",
        ],
    ),
    (
        "C023",
        [op("add", "/paths/~1things~1{id}/delete/requestBody", BODY)],
        [
            "C023 error DELETE /things/{id} request: request body became required",
            "C108 info DELETE /things/{id} request: media type application/json added",
        ],
    ),
    (
        "C106",
        [op("add", f"{POST}/responses/409", {"description": "Conflict."})],
        ["C106 info POST /things 409: response status added"],
    ),
    (
        "C107",
        [op("add", f"{POST}/responses/201/headers", {"Location": {"schema": {"type": "string"}}})],
        ["C107 info POST /things 201: response header Location added"],
    ),
    (
        "C108",
        [
            op(
                "add",
                f"{POST}/requestBody/content/application~1x-www-form-urlencoded",
                {"schema": {"type": "object"}},
            )
        ],
        ["C108 info POST /things request: media type application/x-www-form-urlencoded added"],
    ),
]


@pytest.mark.parametrize(("rule", "ops", "expected"), PAIRS, ids=[p[0] for p in PAIRS])
def test_pair_reports_exactly_its_findings(rule: str, ops: list, expected: list[str]) -> None:
    """The revision reports the rule's finding(s) and nothing else."""
    assert_pair(rule, ops, expected)


def test_response_header_schema_is_output() -> None:
    """A response header whose values may now be longer warns strict clients."""
    path = f"{LIST}/responses/200/headers/X-Request-Id/schema/maxLength"
    assert findings([op("replace", path, 128)]) == [
        "C029 warn GET /things 200 header X-Request-Id: maxLength raised from 64 to 128"
    ]


def test_removed_error_status_is_not_breaking() -> None:
    """Dropping a documented 400 changes nothing a client relies on."""
    assert findings([op("remove", f"{LIST}/responses/400")]) == []


def test_webhook_receiver_response_is_input() -> None:
    """What a receiver answers is input to us: a new required property there breaks them."""
    schema = {"type": "object", "required": ["ok"], "properties": {"ok": {"type": "boolean"}}}
    content = {"application/json": {"schema": {"type": "object"}}}
    before = [op("add", f"{HOOK}/responses/200/content", content)]
    strict = [op("add", f"{HOOK}/responses/200/content", {"application/json": {"schema": schema}})]
    assert printed(revise(before), revise(strict)) == [
        "C012 error webhook thing.created 200: new required response property ok"
    ]
