"""anyOf/oneOf, `not`, additionalProperties, conditionals and defaults on inputs."""

from __future__ import annotations

import pytest

from tests.generator.compat.helpers import CREATE, Pair, assert_pair, findings, op, printed, revise

REQ = "POST /things request: request property"
AMOUNT = f"{REQ} amount"
PAIRS: list[Pair] = [
    (
        "C021",
        [op("add", f"{CREATE}/meta/additionalProperties", False)],
        [f"C021 error {REQ} meta additionalProperties closed or restricted"],
    ),
    (
        "C022",
        [op("replace", f"{CREATE}/amount/anyOf", [{"type": "string", "pattern": "^\\d+$"}])],
        [
            f"C006 error {AMOUNT} type narrowed from number|string to string",
            f"C022 error {AMOUNT} anyOf/oneOf branch number removed",
        ],
    ),
    (
        "C025",
        [op("add", f"{CREATE}/size/multipleOf", 2)],
        ["C025 error POST /things request: request property size multipleOf 2 added"],
    ),
    (
        "C025",
        [op("add", f"{CREATE}/size/not", {"const": 3})],
        ["C025 error POST /things request: request property size new `not` constraint"],
    ),
    (
        "C030",
        [op("replace", f"{CREATE}/kind/default", "B")],
        ["C030 warn POST /things request: request property kind default changed from A to B"],
    ),
]


@pytest.mark.parametrize(("rule", "ops", "expected"), PAIRS, ids=[p[0] for p in PAIRS])
def test_pair_reports_exactly_its_findings(rule: str, ops: list, expected: list[str]) -> None:
    """The revision reports the rule's finding(s) and nothing else."""
    assert_pair(rule, ops, expected)


def test_branch_paired_by_type_reports_the_inner_change() -> None:
    """A bound added inside the number branch is a range change, not a swapped branch."""
    branches = [{"type": "string", "pattern": "^\\d+$"}, {"type": "number", "maximum": 5}]
    assert findings([op("replace", f"{CREATE}/amount/anyOf", branches)]) == [
        f"C009 error {AMOUNT} maximum 5 added"
    ]


def test_added_input_branch_is_a_relaxation() -> None:
    """A third branch accepts more: info, and the type set grows."""
    branches = [{"type": "string", "pattern": "^\\d+$"}, {"type": "number"}, {"type": "null"}]
    assert findings([op("replace", f"{CREATE}/amount/anyOf", branches)]) == [
        f"C109 info {AMOUNT} anyOf/oneOf branch null added",
        f"C109 info {AMOUNT} type widened from number|string to number|string|null",
    ]


def test_schema_becoming_an_anyof_is_compared_branch_by_branch() -> None:
    """`{type: string, maxLength}` → anyOf [same string, integer] only adds a branch."""
    before = {"type": "string", "maxLength": 5}
    after = {"anyOf": [{"type": "string", "maxLength": 5}, {"type": "integer"}]}
    found = findings([op("add", f"{CREATE}/code", before)])
    assert found == ["C103 info POST /things request: request property code added (optional)"]
    old, new = (
        revise([op("add", f"{CREATE}/code", before)]),
        revise([op("add", f"{CREATE}/code", after)]),
    )
    assert sorted(printed(old, new)) == [
        f"C109 info {REQ} code anyOf/oneOf branch integer added",
        f"C109 info {REQ} code type widened from string to integer|string",
    ]
