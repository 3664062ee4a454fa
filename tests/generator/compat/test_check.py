"""The check: findings, accepted entries, the version policy and the repository's document."""

from __future__ import annotations

from generator.__main__ import COMPAT_IGNORE, RELEASES, SPEC
from generator.compat.check import check, compare
from generator.compat.ignore import Accepted
from tests.generator.compat.helpers import CREATE, base, op, revise

VERSION = "/info/version"


def test_additive_change_without_a_bump_fails_on_the_version() -> None:
    """A new optional property with info.version still 1.0.0 is C040."""
    outcome = compare(
        base(), revise([op("add", f"{CREATE}/code", {"type": "string"})]), [], (1, 0, 0)
    )
    assert outcome.bump == "minor"
    assert [(f.rule, f.operation, f.what) for f in outcome.failures] == [
        ("C040", "info.version", "must be at least 1.1.0: the contract changed since 1.0.0")
    ]


def test_additive_change_with_a_minor_bump_passes() -> None:
    """The same change with info.version 1.1.0 passes and is reported as info."""
    new = revise([op("add", f"{CREATE}/code", {"type": "string"}), op("replace", VERSION, "1.1.0")])
    outcome = compare(base(), new, [], (1, 0, 0))
    assert outcome.failures == []
    assert [f.severity for f in outcome.findings] == ["info"]
    assert "needs a minor bump (1.0.0 -> 1.1.0)" in outcome.summary()


def test_breaking_change_fails_whatever_the_version() -> None:
    """A removed operation fails even with a bumped version: v1 only grows."""
    new = revise([op("remove", "/paths/~1things~1{id}"), op("replace", VERSION, "1.1.0")])
    outcome = compare(base(), new, [], (1, 0, 0))
    assert [f.rule for f in outcome.failures] == ["C001"]
    assert outcome.bump == "major"


def test_accepted_breaking_change_passes_and_still_needs_a_bump() -> None:
    """An accepted error no longer fails, but it is a contract change (minor bump)."""
    new = revise([op("replace", f"{CREATE}/name/maxLength", 50)])
    entry = Accepted(
        "C008",
        ("POST /things",),
        "request: request property name maxLength lowered from 100 to 50",
        (1, 1, 0),
        "no stored name is longer",
    )
    outcome = compare(base(), new, [entry], (1, 0, 0))
    assert [f.rule for f in outcome.failures] == ["C040"]
    outcome = compare(
        base(),
        revise([*[op("replace", f"{CREATE}/name/maxLength", 50)], op("replace", VERSION, "1.1.0")]),
        [entry],
        (1, 0, 0),
    )
    assert outcome.failures == []
    assert "1 accepted" in outcome.summary()


def test_no_change_needs_no_bump() -> None:
    """The base against itself: nothing found, no bump needed."""
    outcome = compare(base(), base(), [], (1, 0, 0))
    assert (outcome.findings, outcome.bump) == ([], "none")


def test_repository_document_passes_against_its_latest_release() -> None:
    """openapi/api-v1.yaml breaks nothing of the newest release (what `make test` checks)."""
    outcome = check(SPEC, RELEASES, COMPAT_IGNORE)
    assert outcome.failures == [], "\n".join(map(str, outcome.failures))
    assert outcome.stale == []
