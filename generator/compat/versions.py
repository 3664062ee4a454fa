"""Semantic versions of the contract and the bump a diff needs.

The policy: v1 only grows. A breaking change (an error finding nobody accepted) has no v1
version at all, it ships as `/api/v2`; any other contract change (additions, warnings,
accepted findings) needs at least a minor bump; a diff with no findings needs none.
"""

from __future__ import annotations

import re
from typing import Literal

Version = tuple[int, int, int]
Bump = Literal["none", "minor", "major"]

_SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")


def parse_version(text: str) -> Version | None:
    """`1.2.3` → (1, 2, 3); anything else → None."""
    match = _SEMVER.match(text.strip())
    if match is None:
        return None
    return int(match[1]), int(match[2]), int(match[3])


def show_version(version: Version) -> str:
    """(1, 2, 3) → `1.2.3`."""
    return ".".join(str(part) for part in version)


def next_minor(version: Version) -> Version:
    """The smallest version a minor bump allows."""
    return version[0], version[1] + 1, 0


def version_problem(old: Version, new: Version | None, bump: Bump, text: str) -> str:
    """Why `new` breaks the policy for a diff that needs `bump` ("" when it does not)."""
    if new is None:
        return f"{text!r} is not MAJOR.MINOR.PATCH"
    if new < old:
        return f"{show_version(new)} is lower than the released {show_version(old)}"
    if new[0] != old[0]:
        return f"{show_version(new)} leaves v{old[0]}: a breaking change ships as a new API"
    if bump == "minor" and new < next_minor(old):
        need = show_version(next_minor(old))
        return f"must be at least {need}: the contract changed since {show_version(old)}"
    return ""
