"""Released baselines: discovery by version and write-once releases."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.compat.releases import latest, releases, write_release
from generator.load import LoadError
from tests.generator.helpers import ROOT


def test_releases_sort_by_version_not_by_name(tmp_path: Path) -> None:
    """1.10.0 is newer than 1.9.0; files that are not versions are ignored."""
    for name in ("1.9.0.yaml", "1.10.0.yaml", "notes.yaml"):
        (tmp_path / name).write_text("x: 1\n")
    assert [v for v, _ in releases(tmp_path)] == [(1, 9, 0), (1, 10, 0)]
    assert latest(tmp_path)[0] == (1, 10, 0)


def test_no_release_is_an_error(tmp_path: Path) -> None:
    """The check needs a baseline."""
    with pytest.raises(LoadError, match="no released baseline"):
        latest(tmp_path)


def test_release_is_a_byte_copy_and_never_overwritten(tmp_path: Path) -> None:
    """The release file equals the document byte for byte; a second write is refused."""
    spec = tmp_path / "api.yaml"
    spec.write_bytes(b"# keep: comments and \xc3\xa9\nopenapi: 3.1.0\n")
    target = write_release(spec, tmp_path / "releases", (1, 1, 0))
    assert target.read_bytes() == spec.read_bytes()
    with pytest.raises(LoadError, match="already released"):
        write_release(spec, tmp_path / "releases", (1, 1, 0))


def test_repository_has_the_1_0_0_baseline() -> None:
    """The released 1.0.0 document is in the tree, so a fresh clone can run the check."""
    assert (1, 0, 0) in [v for v, _ in releases(ROOT / "openapi" / "releases")]
