"""`python -m generator compat|release|changelog`: output and exit status."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from generator.__main__ import main
from tests.generator.compat.helpers import BASE, CREATE, THING, base, op
from tests.generator.helpers import apply_patch


def _tree(tmp_path: Path, ops: list) -> list[str]:
    """A spec, a releases folder with the base as 1.0.0 and an empty ignore file."""
    (tmp_path / "releases").mkdir()
    (tmp_path / "releases" / "1.0.0.yaml").write_bytes(BASE.read_bytes())
    (tmp_path / "api.yaml").write_text(
        yaml.safe_dump(apply_patch(base().data, ops), sort_keys=False)
    )
    (tmp_path / "ignore.yaml").write_text("accepted: []\n")
    return [
        "--spec",
        str(tmp_path / "api.yaml"),
        "--releases",
        str(tmp_path / "releases"),
        "--ignore",
        str(tmp_path / "ignore.yaml"),
    ]


def test_compat_fails_on_a_breaking_change(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A removed response property exits 1 with a C014 line and the summary."""
    args = _tree(tmp_path, [op("remove", f"{THING}/size")])
    assert main(["compat", *args]) == 1
    out = capsys.readouterr()
    assert "C014 error GET /things 200: response property data[].size removed" in out.out
    assert "breaking: not allowed in v1" in out.out
    assert "3 breaking change(s)" in out.err


def test_accepted_findings_print_only_on_request(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An accepted finding passes silently (counted); --show-accepted prints it with its reason."""
    args = _tree(
        tmp_path,
        [op("replace", f"{CREATE}/name/maxLength", 50), op("replace", "/info/version", "1.1.0")],
    )
    (tmp_path / "ignore.yaml").write_text(
        "accepted:\n  - rule: C008\n    operation: POST /things\n"
        "    finding: 'request: request property name maxLength lowered from 100 to 50'\n"
        "    release: 1.1.0\n    reason: no stored name is longer\n"
    )
    assert main(["compat", *args]) == 0
    out = capsys.readouterr().out
    assert "C008" not in out
    assert "1 accepted" in out
    assert main(["compat", "--show-accepted", *args]) == 0
    assert "[ignored: no stored name is longer]" in capsys.readouterr().out


def test_compat_passes_an_addition_and_names_the_bump(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An optional request property with info.version 1.1.0 exits 0 and asks for a minor bump."""
    args = _tree(
        tmp_path,
        [op("add", f"{CREATE}/code", {"type": "string"}), op("replace", "/info/version", "1.1.0")],
    )
    assert main(["compat", *args]) == 0
    out = capsys.readouterr().out
    assert "C103 info POST /things request: request property code added (optional)" in out
    assert "needs a minor bump (1.0.0 -> 1.1.0)" in out


def test_release_writes_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`release` writes releases/<version>.yaml, then refuses to write it again."""
    args = _tree(
        tmp_path,
        [op("add", f"{CREATE}/code", {"type": "string"}), op("replace", "/info/version", "1.1.0")],
    )
    assert main(["release", *args]) == 0
    released = tmp_path / "releases" / "1.1.0.yaml"
    assert released.read_bytes() == (tmp_path / "api.yaml").read_bytes()
    assert main(["release", *args]) == 1
    assert "not newer than the release 1.1.0" in capsys.readouterr().err


def test_release_refuses_a_breaking_document(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A document that fails the check is not released."""
    args = _tree(
        tmp_path, [op("remove", "/paths/~1things~1{id}"), op("replace", "/info/version", "1.1.0")]
    )
    assert main(["release", *args]) == 1
    assert not (tmp_path / "releases" / "1.1.0.yaml").exists()
    assert "nothing released" in capsys.readouterr().err


def test_changelog_prints_markdown(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`changelog` prints the releases' sections."""
    args = _tree(tmp_path, [])
    assert main(["changelog", *args]) == 0
    assert capsys.readouterr().out.startswith("### API 1.0.0\n")


def test_rules_lists_the_catalogue(capsys: pytest.CaptureFixture[str]) -> None:
    """`compat --rules` prints one line per rule with its severity."""
    assert main(["compat", "--rules"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "C001 error operation removed (or its whole path, or a webhook event)"
    assert any(line.startswith("C018 warn ") for line in lines)
