"""The released baselines under `openapi/releases/` (one frozen document per version)."""

from __future__ import annotations

from pathlib import Path

from generator.compat.versions import Version, parse_version
from generator.load import LoadError


def releases(folder: Path) -> list[tuple[Version, Path]]:
    """Every `MAJOR.MINOR.PATCH.yaml` in `folder`, oldest first."""
    found = []
    for path in folder.glob("*.yaml") if folder.is_dir() else []:
        version = parse_version(path.stem)
        if version is not None:
            found.append((version, path))
    return sorted(found)


def latest(folder: Path) -> tuple[Version, Path]:
    """The newest release; none at all is a `LoadError` (the check needs a baseline)."""
    found = releases(folder)
    if not found:
        raise LoadError(f"{folder}: no released baseline (MAJOR.MINOR.PATCH.yaml)")
    return found[-1]


def write_release(spec: Path, folder: Path, version: Version) -> Path:
    """Copy `spec` byte for byte to `folder/<version>.yaml`; never overwrite a release."""
    target = folder / f"{'.'.join(map(str, version))}.yaml"
    if target.exists():
        raise LoadError(f"{target}: {target.stem} is already released; raise info.version")
    folder.mkdir(parents=True, exist_ok=True)
    target.write_bytes(spec.read_bytes())
    return target
