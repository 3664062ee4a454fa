"""scalar.update writes the bundle with its provenance and refuses malformed versions."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest

from scalar import update


def test_sri_matches_npm_integrity_format() -> None:
    """sri_sha512 produces npm's dist.integrity spelling: sha512- and base64 of the digest."""
    digest = base64.b64encode(hashlib.sha512(b"abc").digest()).decode()
    assert update.sri_sha512(b"abc") == f"sha512-{digest}"


def test_write_records_version_digest_and_notice(tmp_path: Path) -> None:
    """write() stores the bytes and rewrites VERSION, SHA256 and NOTICE consistently."""
    digest = update.write("9.8.7", b"console.log(1)\n", "MIT", target=tmp_path)
    assert (tmp_path / "standalone.js").read_bytes() == b"console.log(1)\n"
    assert (tmp_path / "SHA256").read_text() == f"{digest}  standalone.js\n"
    assert digest == hashlib.sha256(b"console.log(1)\n").hexdigest()
    assert (tmp_path / "VERSION").read_text() == "9.8.7\n"
    assert "@scalar/api-reference version 9.8.7" in (tmp_path / "NOTICE").read_text()


@pytest.mark.parametrize("argv", [[], ["latest"], ["1.2"], ["1.2.3", "extra"]])
def test_main_requires_one_exact_version(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Only an exact x.y.z is accepted, so the pin is always explicit."""
    assert update.main(argv) == 2
    assert "usage: make scalar-update VERSION=x.y.z" in capsys.readouterr().err
