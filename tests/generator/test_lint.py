"""House linter: one passing and failing fixture per rule, message format, broken inputs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.__main__ import main
from generator.lint import lint, run_rules, validate_spec
from generator.load import parse
from generator.ruleset import RULES
from tests.generator.helpers import FIXTURES, MINI, ROOT, apply_patch, as_document

LINT_CASES = sorted((FIXTURES / "lint").glob("H*.yaml"))


def _cases() -> list[Any]:
    params = []
    for path in LINT_CASES:
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]:
            params.append(pytest.param(path.stem, case, id=f"{path.stem}-{case['why']}"))
    return params


def test_every_rule_has_a_failing_fixture() -> None:
    """Each registered rule (and H000) has a fixture file of failing cases."""
    run_rules(parse(MINI.read_text(encoding="utf-8")), only=[])  # registers the rules
    assert {p.stem for p in LINT_CASES} == {"H000", *RULES}


def test_mini_fixture_passes_every_rule() -> None:
    """The mini document is the passing fixture: no findings from any rule."""
    assert lint(parse(MINI.read_text(encoding="utf-8"), "mini.yaml")) == []


@pytest.mark.parametrize(("rule_id", "case"), _cases())
def test_rule_flags_its_failing_fixture(
    mini_data: dict[str, Any], rule_id: str, case: dict[str, Any]
) -> None:
    """The patched mini document gets a finding of exactly this rule with the expected text."""
    doc = as_document(apply_patch(mini_data, case["patch"]))
    findings = validate_spec(doc) if rule_id == "H000" else run_rules(doc, only=[rule_id])
    messages = [f.message for f in findings if f.rule == rule_id]
    assert any(case["expect"] in m for m in messages), messages


@pytest.mark.parametrize("rule_id", sorted(p.stem for p in LINT_CASES if p.stem != "H000"))
def test_rule_passes_on_mini(mini_data: dict[str, Any], rule_id: str) -> None:
    """Each rule alone finds nothing in the passing fixture."""
    assert run_rules(as_document(mini_data), only=[rule_id]) == []


def test_finding_prints_file_line_rule_and_message(mini_data: dict[str, Any]) -> None:
    """A finding prints as `file:LINE: ID message`, LINE being the operation's source line."""
    doc = as_document(
        apply_patch(mini_data, [{"op": "remove", "path": "/paths/~1clients/post/parameters/0"}]),
        "openapi/api-v1.yaml",
    )
    text = yaml.safe_dump(doc.data, sort_keys=False, allow_unicode=True).splitlines()
    line = next(i for i, t in enumerate(text, 1) if t == "  /clients:") + 1
    line += next(i for i, t in enumerate(text[line - 1 :]) if t == "    post:")
    [finding] = run_rules(doc, only=["H007"])
    assert (
        str(finding)
        == f"openapi/api-v1.yaml:{line}: H007 POST /clients lacks the IdempotencyKey parameter"
    )


def test_cli_lint_exit_status_and_output(
    tmp_path: Path, mini_data: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    """`lint` prints the findings and exits 1; a clean document exits 0 silently."""
    bad = tmp_path / "bad.yaml"
    patched = apply_patch(
        mini_data, [{"op": "remove", "path": "/paths/~1clients/post/parameters/0"}]
    )
    bad.write_text(yaml.safe_dump(patched, sort_keys=False), encoding="utf-8")
    assert main(["lint", str(bad)]) == 1
    assert "H007 POST /clients lacks the IdempotencyKey parameter" in capsys.readouterr().out
    assert main(["lint", str(MINI)]) == 0
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "no such file"),
        ("openapi: [unclosed", "invalid YAML"),
        ("- just\n- a list\n", "must be a mapping"),
        ("openapi: 3.1.0\ninfo: {title: x}\npaths: {}\n", "H000 invalid OpenAPI"),
    ],
    ids=["missing", "bad-yaml", "not-a-mapping", "invalid-spec"],
)
def test_broken_document_gives_message_not_traceback(
    tmp_path: Path, content: str | None, expected: str
) -> None:
    """Broken input exits non-zero with a readable message and no Python traceback."""
    spec = tmp_path / "api.yaml"
    if content is not None:
        spec.write_text(content, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "generator", "lint", str(spec)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 1
    assert expected in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_rules_list_has_ids_and_reasons(capsys: pytest.CaptureFixture[str]) -> None:
    """`lint --rules` lists every rule id with its one-line reason."""
    assert main(["lint", "--rules"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(" ", 1)[0] for line in lines] == sorted(RULES)
    assert all(len(line.split(" ", 1)[1]) > 10 for line in lines)
