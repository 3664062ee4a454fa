"""The ignore file: entries need a reason, match exactly, and expire with their release."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.compat.ignore import Accepted, apply, load_ignores
from generator.compat.operations import Compare
from generator.load import LoadError
from tests.generator.compat.helpers import CREATE, base, op, revise

ENTRY = """\
accepted:
  - rule: C008
    operations: [POST /things]
    finding: "request: request property name maxLength lowered from 100 to 50"
    release: 1.1.0
    reason: every stored name is shorter
"""


def _findings() -> list:
    return Compare(base(), revise([op("replace", f"{CREATE}/name/maxLength", 50)])).run().sorted()


def test_entry_accepts_exactly_its_finding(tmp_path: Path) -> None:
    """The matching finding carries the reason; nothing is left stale."""
    path = tmp_path / "ignore.yaml"
    path.write_text(ENTRY)
    found, stale = apply(_findings(), load_ignores(path), (1, 0, 0), (1, 1, 0))
    assert [f.ignored for f in found] == ["every stored name is shorter"]
    assert stale == []


def test_other_text_is_not_accepted(tmp_path: Path) -> None:
    """A different tightening of the same property is still reported, the entry is stale."""
    path = tmp_path / "ignore.yaml"
    path.write_text(ENTRY.replace("to 50", "to 60"))
    found, stale = apply(_findings(), load_ignores(path), (1, 0, 0), (1, 1, 0))
    assert [f.ignored for f in found] == [""]
    assert len(stale) == 1


def test_entry_expires_once_its_release_is_the_baseline(tmp_path: Path) -> None:
    """Comparing against release 1.1.0, a 1.1.0 entry no longer hides anything."""
    path = tmp_path / "ignore.yaml"
    path.write_text(ENTRY)
    found, stale = apply(_findings(), load_ignores(path), (1, 1, 0), (1, 2, 0))
    assert [f.ignored for f in found] == [""]
    assert stale == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (ENTRY.replace("    reason: every stored name is shorter\n", ""), "needs a `reason`"),
        (ENTRY.replace("rule: C008", "rule: H001"), "is not a compat rule id"),
        (ENTRY.replace("    operations: [POST /things]\n", ""), "needs `operation`"),
        (ENTRY.replace("release: 1.1.0", "release: soon"), "needs `release`"),
        (ENTRY + "    when: now\n", "unknown keys when"),
        ("accepted: {}\n", "expected a list under `accepted:`"),
    ],
)
def test_bad_entries_are_refused(tmp_path: Path, text: str, message: str) -> None:
    """An entry without reason, with an unknown rule or malformed fields is a load error."""
    path = tmp_path / "ignore.yaml"
    path.write_text(text)
    with pytest.raises(LoadError, match=message):
        load_ignores(path)


def test_missing_file_accepts_nothing(tmp_path: Path) -> None:
    """No ignore file means no accepted findings."""
    assert load_ignores(tmp_path / "absent.yaml") == []


def test_single_operation_spelling() -> None:
    """`operation: X` is the one-element form of `operations`."""
    entry = Accepted("C008", ("POST /things",), "x", (1, 1, 0), "r")
    assert not entry.matches(_findings()[0])
