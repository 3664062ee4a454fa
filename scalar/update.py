"""Re-vendor the Scalar bundle: ``python -m scalar.update X.Y.Z`` (``make scalar-update``).

Fetches the npm tarball with ``npm pack`` (no node_modules, ~2 s), checks its sha512 against
the registry's ``dist.integrity`` so a tampered mirror or cache cannot slip in, extracts only
the self-contained ``dist/browser/standalone.js`` and rewrites VERSION, SHA256 and NOTICE.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from scalar import BUNDLE, BUNDLE_MEMBER, PACKAGE, SCALAR_DIR, SHA256_FILE, VERSION_FILE

_VERSION_RE = re.compile(r"^\d+\.\d+\.\d+$")

NOTICE_TEMPLATE = """\
scalar/standalone.js is the unmodified file dist/browser/standalone.js from the npm package
{package} version {version} (https://www.npmjs.com/package/{package}).

Copyright (c) Scalar (https://scalar.com). Licensed under the MIT License, as declared in the
package's package.json ("license": "{license}"); the npm tarball ships no LICENSE file, so the
standard MIT terms are reproduced here:

Permission is hereby granted, free of charge, to any person obtaining a copy of this software
and associated documentation files (the "Software"), to deal in the Software without
restriction, including without limitation the rights to use, copy, modify, merge, publish,
distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the
Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING
BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM,
DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
"""


class UpdateError(RuntimeError):
    """The new bundle could not be fetched or failed verification; nothing was written."""


def _npm(*args: str, cwd: Path) -> str:
    """Run npm and return its stdout, turning a failure into an UpdateError with its stderr."""
    proc = subprocess.run(
        ["npm", *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=300
    )
    if proc.returncode != 0:
        raise UpdateError(f"npm {' '.join(args)} failed:\n{proc.stderr.strip()}")
    return proc.stdout


def sri_sha512(data: bytes) -> str:
    """Subresource-integrity string (``sha512-<base64>``) as npm reports ``dist.integrity``."""
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def fetch(version: str, workdir: Path) -> tuple[bytes, str]:
    """Return (standalone.js bytes, licence) of ``version`` after verifying the tarball."""
    spec = f"{PACKAGE}@{version}"
    expected = json.loads(_npm("view", spec, "dist.integrity", "--json", cwd=workdir))
    if not isinstance(expected, str) or not expected.startswith("sha512-"):
        raise UpdateError(f"registry gave no sha512 integrity for {spec}: {expected!r}")
    packed = json.loads(_npm("pack", spec, "--json", "--pack-destination", ".", cwd=workdir))
    tgz = workdir / packed[0]["filename"]
    actual = sri_sha512(tgz.read_bytes())
    if actual != expected:
        raise UpdateError(f"integrity mismatch for {spec}: registry {expected}, tarball {actual}")
    with tarfile.open(tgz, "r:gz") as tar:
        bundle = tar.extractfile(BUNDLE_MEMBER)
        manifest = tar.extractfile("package/package.json")
        if bundle is None or manifest is None:
            raise UpdateError(f"{spec} has no {BUNDLE_MEMBER}")
        data = bundle.read()
        licence = str(json.loads(manifest.read()).get("license", ""))
    if licence != "MIT":
        raise UpdateError(f"{spec} is licensed {licence!r}, not MIT: review before vendoring")
    return data, licence


def write(version: str, data: bytes, licence: str, target: Path = SCALAR_DIR) -> str:
    """Write the bundle and its provenance files into ``target``; return the sha256."""
    digest = hashlib.sha256(data).hexdigest()
    (target / BUNDLE.name).write_bytes(data)
    (target / SHA256_FILE.name).write_text(f"{digest}  standalone.js\n")
    (target / VERSION_FILE.name).write_text(f"{version}\n")
    (target / "NOTICE").write_text(
        NOTICE_TEMPLATE.format(package=PACKAGE, version=version, license=licence)
    )
    return digest


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: one argument, the exact version to vendor."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or not _VERSION_RE.match(args[0]):
        print("usage: make scalar-update VERSION=x.y.z", file=sys.stderr)
        return 2
    version = args[0]
    try:
        with tempfile.TemporaryDirectory(prefix="scalar-") as tmp:
            data, licence = fetch(version, Path(tmp))
    except UpdateError as exc:
        print(f"scalar-update: {exc}", file=sys.stderr)
        return 1
    digest = write(version, data, licence)
    print(f"vendored {PACKAGE}@{version}: {len(data)} bytes, sha256 {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
