"""The API reference: ``/api/openapi.json`` and the offline Scalar page at ``/api-docs``.

These are plain routes outside ``/api/v1``: no token, no request validation, no rate-limit
bucket of their own beyond what the app's outer middleware applies. The Scalar bundle is the
vendored, pinned file in ``scalar/``; it is checked against ``scalar/SHA256`` when the app is
built, and a missing or altered bundle stops the app instead of silently falling back to a CDN
(a reference page that phones home is a privacy bug, and one that breaks offline is a support
bug).
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Callable
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import jinja2
from starlette.requests import Request
from starlette.responses import Response

# Located by path rather than imported: ``scalar/`` sits next to ``server/`` both in the repo
# and in an installed tree, and the server must not depend on the updater's package import.
SCALAR_DIR = Path(__file__).resolve().parents[2] / "scalar"
BUNDLE = SCALAR_DIR / "standalone.js"
SHA256_FILE = SCALAR_DIR / "SHA256"
VERSION_FILE = SCALAR_DIR / "VERSION"
FAVICON = SCALAR_DIR / "favicon.svg"
TEMPLATE = SCALAR_DIR / "index.html.j2"

PAGE_TITLE = "Hoursmith API reference"
API_PATH = "/api/v1"
SPEC_PATH = "/api/openapi.json"
DOCS_PATH = "/api-docs"
BUNDLE_PATH = "/api-docs/standalone.js"
FAVICON_PATH = "/api-docs/favicon.svg"
SECURITY_SCHEME = "bearerAuth"
# The asset URLs carry the bundle's digest, so a year of caching is safe across upgrades.
LONG_CACHE = "public, max-age=31536000, immutable"
_GZIP_MIN_ENCODINGS = ("gzip",)


class ScalarBundleError(RuntimeError):
    """The vendored Scalar bundle is missing or does not match its recorded sha256."""


class DocsSettings(Protocol):
    """The one setting this module reads (``server.settings.Settings`` satisfies it)."""

    @property
    def docs_token(self) -> str | None:
        """A token to prefill in the page's auth box (the demo token under ``make serve``)."""


class RuleApp(Protocol):
    """What ``install`` needs from the app: connexion's ``add_url_rule``."""

    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: Callable[..., Any] | None = None,
        **options: Any,
    ) -> None:
        """Register a plain route outside the OpenAPI operations."""


def load_bundle() -> tuple[bytes, str]:
    """Return the bundle bytes and sha256 after checking them against ``scalar/SHA256``."""
    if not BUNDLE.is_file():
        raise ScalarBundleError(
            f"Scalar bundle missing: {BUNDLE}. Restore it from git or run "
            "`make scalar-update VERSION=<x.y.z>`; the docs never fall back to a CDN."
        )
    if not SHA256_FILE.is_file():
        raise ScalarBundleError(f"Scalar checksum file missing: {SHA256_FILE}")
    expected = SHA256_FILE.read_text().split()[0].strip().lower()
    data = BUNDLE.read_bytes()
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected:
        raise ScalarBundleError(
            f"Scalar bundle {BUNDLE} has sha256 {actual}, but scalar/SHA256 records {expected}: "
            "the file was altered. Restore it from git or re-vendor with `make scalar-update`."
        )
    return data, actual


def _template() -> jinja2.Template:
    """The page template, autoescaped so a prefilled token can never break out of the page."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE.parent),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    return env.get_template(TEMPLATE.name)


def scalar_config(spec_url: str, docs_token: str | None) -> dict[str, Any]:
    """The ``createApiReference`` options: every phone-home feature off, our auth prefilled."""
    auth: dict[str, Any] = {"preferredSecurityScheme": SECURITY_SCHEME}
    if docs_token:
        auth["securitySchemes"] = {SECURITY_SCHEME: {"token": docs_token}}
    return {
        "url": spec_url,
        "theme": "default",
        "withDefaultFonts": False,
        "telemetry": False,
        "showDeveloperTools": "never",
        "agent": {"disabled": True},
        "mcp": {"disabled": True},
        "hideClientButton": True,
        "persistAuth": False,
        "authentication": auth,
    }


def render_page(root_path: str, digest: str, docs_token: str | None) -> str:
    """Render the reference page for an app mounted at ``root_path`` ("" normally)."""
    return _template().render(
        title=PAGE_TITLE,
        favicon_url=f"{root_path}{FAVICON_PATH}?v={_short(FAVICON.read_bytes())}",
        bundle_url=f"{root_path}{BUNDLE_PATH}?v={digest[:16]}",
        api_path=f"{root_path}{API_PATH}",
        config=scalar_config(f"{root_path}{SPEC_PATH}", docs_token),
    )


def server_url(request: Request) -> str:
    """This server's API base as the client reached it (scheme, host, port, mount point)."""
    return str(request.base_url).rstrip("/") + API_PATH


def _short(data: bytes) -> str:
    """A short content hash used to bust caches when an asset changes."""
    return hashlib.sha256(data).hexdigest()[:16]


def _json_default(value: object) -> str:
    """YAML loaders turn unquoted dates into date objects; JSON spells them as ISO strings."""
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _wants_gzip(request: Request) -> bool:
    """Whether the client accepts a gzip body (the bundle shrinks from 4.2 MB to 1.3 MB)."""
    accepted = request.headers.get("accept-encoding", "").lower()
    return any(encoding in accepted for encoding in _GZIP_MIN_ENCODINGS)


def install(app: RuleApp, settings: DocsSettings, spec_31: dict[str, Any]) -> None:
    """Add the reference routes to ``app``; raise ScalarBundleError if the bundle is bad."""
    bundle, digest = load_bundle()
    favicon = FAVICON.read_bytes()
    version = VERSION_FILE.read_text().strip() if VERSION_FILE.is_file() else "unknown"
    docs_token = settings.docs_token
    # Keep the document's own description of its server; only the URL becomes absolute.
    servers = spec_31.get("servers") or [{}]
    first_server = {"description": "This server", **servers[0]}

    @lru_cache(maxsize=16)
    def spec_bytes(url: str) -> bytes:
        """The document with ``servers`` pointing at ``url``; cached per origin seen."""
        document = {**spec_31, "servers": [{**first_server, "url": url}]}
        return json.dumps(document, ensure_ascii=False, default=_json_default).encode()

    @lru_cache(maxsize=1)
    def bundle_gzip() -> bytes:
        """The bundle gzipped once, on first request, not at startup."""
        return gzip.compress(bundle, compresslevel=6, mtime=0)

    @lru_cache(maxsize=4)
    def page(root_path: str) -> bytes:
        """The rendered page for a mount point; it only changes when the app restarts."""
        return render_page(root_path, digest, docs_token).encode()

    async def openapi_json(request: Request) -> Response:
        """Serve the 3.1 document with this server as its only server."""
        return Response(
            spec_bytes(server_url(request)),
            media_type="application/json",
            headers={"Cache-Control": "no-cache"},
        )

    async def api_docs(request: Request) -> Response:
        """Serve the Scalar page."""
        return Response(
            page(request.scope.get("root_path", "")),
            media_type="text/html; charset=utf-8",
            headers={
                "Cache-Control": "no-cache",
                "X-Scalar-Version": version,
                # Nothing on the page may come from elsewhere; the browser enforces it too.
                "Content-Security-Policy": (
                    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
                    "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
                    "font-src 'self' data:; connect-src 'self'"
                ),
            },
        )

    async def standalone_js(request: Request) -> Response:
        """Serve the verified bundle bytes (gzipped when the client accepts it)."""
        headers = {"Cache-Control": LONG_CACHE, "ETag": f'"{digest}"', "Vary": "Accept-Encoding"}
        body = bundle
        if _wants_gzip(request):
            body = bundle_gzip()
            headers["Content-Encoding"] = "gzip"
        return Response(body, media_type="text/javascript; charset=utf-8", headers=headers)

    async def favicon_svg(request: Request) -> Response:
        """Serve our favicon."""
        return Response(favicon, media_type="image/svg+xml", headers={"Cache-Control": LONG_CACHE})

    routes: list[tuple[str, str, Callable[[Request], Any]]] = [
        (SPEC_PATH, "openapi_json", openapi_json),
        (DOCS_PATH, "api_docs", api_docs),
        (BUNDLE_PATH, "scalar_bundle", standalone_js),
        (FAVICON_PATH, "scalar_favicon", favicon_svg),
    ]
    for rule, name, view in routes:
        app.add_url_rule(rule, endpoint=name, view_func=view, methods=["GET"])
