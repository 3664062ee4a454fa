"""The pinned Scalar API reference bundle, its provenance files and the page template.

The bundle is vendored (not fetched from a CDN) so the reference works offline, in CI and in
air-gapped installs; ``server.http.docs`` serves it and refuses to start if it was altered.
"""

from pathlib import Path

SCALAR_DIR = Path(__file__).resolve().parent
BUNDLE = SCALAR_DIR / "standalone.js"
SHA256_FILE = SCALAR_DIR / "SHA256"
VERSION_FILE = SCALAR_DIR / "VERSION"
FAVICON = SCALAR_DIR / "favicon.svg"
TEMPLATE = SCALAR_DIR / "index.html.j2"
PACKAGE = "@scalar/api-reference"
BUNDLE_MEMBER = "package/dist/browser/standalone.js"
