"""Schema rules: each rule's minimal base → revision pair and exactly what it reports."""

from __future__ import annotations

import pytest

from tests.generator.compat.helpers import CREATE, THING, Pair, assert_pair, findings, op

RESPONSE_SIZE = "response property data[].size"
REQ = "POST /things request: request property"
R200 = "GET /things 200: response property data[]."
R201 = "POST /things 201: response property data."
HOOKP = "webhook thing.created payload: property data."
PAIRS: list[Pair] = [
    (
        "C006",
        [op("replace", f"{CREATE}/size/type", "string")],
        [f"C006 error {REQ} size type narrowed from integer to string"],
    ),
    (
        "C006",
        [op("replace", f"{CREATE}/note/type", "string")],
        [f"C006 error {REQ} note type narrowed from string|null to string"],
    ),
    (
        "C007",
        [op("replace", "/components/parameters/Status/schema/enum", ["OPEN"])],
        ["C007 error GET /things query status: enum values removed: CLOSED"],
    ),
    (
        "C007",
        [op("add", f"{CREATE}/email/enum", ["a@b.example"])],
        [f"C007 error {REQ} email now restricted to enum values: a@b.example"],
    ),
    (
        "C008",
        [op("replace", f"{CREATE}/name/maxLength", 50)],
        [f"C008 error {REQ} name maxLength lowered from 100 to 50"],
    ),
    (
        "C008",
        [op("replace", f"{CREATE}/name/minLength", 2)],
        [f"C008 error {REQ} name minLength raised from 1 to 2"],
    ),
    (
        "C009",
        [op("replace", f"{CREATE}/size/maximum", 9)],
        [f"C009 error {REQ} size maximum lowered from 10 to 9"],
    ),
    (
        "C009",
        [op("replace", "/paths/~1things/get/parameters/1/schema/minimum", 2)],
        ["C009 error GET /things query limit: minimum raised from 1 to 2"],
    ),
    (
        "C010",
        [op("replace", f"{CREATE}/name/pattern", "^\\S")],
        [
            f"C010 error {REQ} name pattern ^\\S added",
            f"C109 info {REQ} name pattern \\S removed",
        ],
    ),
    (
        "C011",
        [op("replace", f"{CREATE}/tags/maxItems", 4)],
        [f"C011 error {REQ} tags maxItems lowered from 5 to 4"],
    ),
    (
        "C012",
        [
            op("add", f"{CREATE}/code", {"type": "string"}),
            op("add", "/components/schemas/ThingCreate/required/-", "code"),
        ],
        ["C012 error POST /things request: new required request property code"],
    ),
    (
        "C013",
        [op("add", "/components/schemas/ThingCreate/required/-", "size")],
        [f"C013 error {REQ} size became required"],
    ),
    (
        "C014",
        [op("remove", f"{THING}/size")],
        [
            f"C014 error GET /things 200: {RESPONSE_SIZE} removed",
            f"C014 error {R201}size removed",
            f"C014 error {HOOKP}size removed",
        ],
    ),
    (
        "C015",
        [op("replace", "/components/schemas/Thing/required", ["id", "name", "kind"])],
        [
            f"C015 error {R200}note no longer required",
            f"C015 error {R201}note no longer required",
            f"C015 error {HOOKP}note no longer required",
        ],
    ),
    (
        "C016",
        [op("replace", f"{THING}/size/type", "string")],
        [
            f"C016 error GET /things 200: {RESPONSE_SIZE} type changed from integer to string",
            f"C016 error {R201}size type changed from integer to string",
            f"C016 error {HOOKP}size type changed from integer to string",
        ],
    ),
    (
        "C017",
        [op("replace", f"{THING}/size/type", ["integer", "null"])],
        [
            f"C017 error GET /things 200: {RESPONSE_SIZE} became nullable",
            f"C017 error {R201}size became nullable",
            f"C017 error {HOOKP}size became nullable",
        ],
    ),
    (
        "C018",
        [op("replace", f"{THING}/kind/enum", ["A", "B", "C"])],
        [
            f"C018 warn {R200}kind enum values added: C",
            f"C018 warn {R201}kind enum values added: C",
            f"C018 warn {HOOKP}kind enum values added: C",
        ],
    ),
    (
        "C024",
        [op("replace", f"{CREATE}/email/format", "idn-email")],
        [f"C024 error {REQ} email format idn-email (was email)"],
    ),
    (
        "C026",
        [op("remove", f"{CREATE}/email")],
        [f"C026 error {REQ} email removed"],
    ),
    (
        "C027",
        [op("remove", f"{CREATE}/meta/properties/colour")],
        [f"C027 warn {REQ} meta.colour removed"],
    ),
    (
        "C029",
        [op("replace", f"{THING}/name/maxLength", 200)],
        [
            f"C029 warn {R200}name maxLength raised from 100 to 200",
            f"C029 warn {R201}name maxLength raised from 100 to 200",
            f"C029 warn {HOOKP}name maxLength raised from 100 to 200",
        ],
    ),
    (
        "C103",
        [op("add", f"{CREATE}/code", {"type": "string"})],
        [f"C103 info {REQ} code added (optional)"],
    ),
    (
        "C104",
        [op("add", f"{THING}/colour", {"type": "string"})],
        [
            f"C104 info {R200}colour added",
            f"C104 info {R201}colour added",
            f"C104 info {HOOKP}colour added",
        ],
    ),
    (
        "C105",
        [op("replace", "/components/parameters/Status/schema/enum", ["OPEN", "CLOSED", "DRAFT"])],
        ["C105 info GET /things query status: enum values added: DRAFT"],
    ),
    (
        "C109",
        [op("replace", f"{CREATE}/name/maxLength", 200)],
        [f"C109 info {REQ} name maxLength raised from 100 to 200"],
    ),
]


@pytest.mark.parametrize(("rule", "ops", "expected"), PAIRS, ids=[p[0] for p in PAIRS])
def test_pair_reports_exactly_its_findings(rule: str, ops: list, expected: list[str]) -> None:
    """The revision reports the rule's finding(s) and nothing else."""
    assert_pair(rule, ops, expected)


def test_extensible_response_enum_may_grow() -> None:
    """`x-extensible-enum: true` tells clients to expect new values, so adding one is silent."""
    assert (
        findings(
            [
                op("replace", f"{THING}/kind/enum", ["A", "B", "C"]),
                op("add", f"{THING}/kind/x-extensible-enum", True),
            ]
        )
        == []
    )


def test_output_may_narrow() -> None:
    """Fewer response enum values, a shorter maximum length or a dropped null break nobody."""
    assert (
        findings(
            [
                op("replace", f"{THING}/kind/enum", ["A"]),
                op("replace", f"{THING}/name/maxLength", 50),
                op("replace", f"{THING}/note/type", "string"),
            ]
        )
        == []
    )


def test_read_only_property_is_not_part_of_the_request() -> None:
    """A request property that becomes readOnly is gone from what clients may send."""
    assert findings([op("add", f"{CREATE}/email/readOnly", True)]) == [
        f"C026 error {REQ} email removed"
    ]


def test_write_only_property_is_not_part_of_the_response() -> None:
    """A response property that becomes writeOnly is no longer returned."""
    assert findings([op("add", f"{THING}/size/writeOnly", True)]) == [
        f"C014 error GET /things 200: {RESPONSE_SIZE} removed",
        f"C014 error {R201}size removed",
        f"C014 error {HOOKP}size removed",
    ]
