"""Loader: data as JSON would see it, plus the source line of every node."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.load import LoadError, load, parse, resolve_pointer, to_pointer

TEXT = """\
openapi: 3.1.0
paths:
  /clients/{id}:
    get:
      operationId: getClient
      x-when: 2026-01-05
"""


def test_lines_are_recorded_per_path() -> None:
    """Keys map to the 1-based line they appear on."""
    doc = parse(TEXT)
    assert doc.line(("paths", "/clients/{id}", "get", "operationId")) == 5
    assert doc.line(("paths", "/clients/{id}")) == 3


def test_unknown_path_falls_back_to_nearest_ancestor() -> None:
    """A path without its own mark reports the closest ancestor's line."""
    assert parse(TEXT).line(("paths", "/clients/{id}", "get", "missing")) == 4


def test_dates_stay_strings() -> None:
    """YAML timestamps stay strings, because JSON (and example validation) has no dates."""
    assert parse(TEXT).data["paths"]["/clients/{id}"]["get"]["x-when"] == "2026-01-05"


def test_duplicate_keys_are_refused() -> None:
    """A duplicated key is an error with its line, not a silent overwrite."""
    with pytest.raises(LoadError, match="line 2: duplicate key 'a'"):
        parse("a: 1\na: 2\n")


def test_missing_file_is_a_load_error(tmp_path: Path) -> None:
    """A missing file is reported by name."""
    with pytest.raises(LoadError, match="no such file"):
        load(tmp_path / "nope.yaml")


def test_invalid_yaml_names_the_line() -> None:
    """A YAML syntax error names the file and line."""
    with pytest.raises(LoadError, match=r"^spec.yaml:2: invalid YAML"):
        parse("a: 1\nb: c: d\n", "spec.yaml")


def test_pointer_round_trip() -> None:
    """Paths with slashes and tildes survive to_pointer → resolve_pointer."""
    data = {"paths": {"/a~b": {"get": 1}}}
    assert to_pointer(("paths", "/a~b", "get")) == "#/paths/~1a~0b/get"
    assert resolve_pointer(data, "#/paths/~1a~0b/get") == 1
    with pytest.raises(LoadError, match="unresolvable"):
        resolve_pointer(data, "#/paths/nope")
