"""Environment parsing for ``hoursmith-mcp``: fail before any protocol traffic, clearly.

An MCP client starts the server as a subprocess and shows its stderr only in a log file, so a
bad token must stop the process at once with one readable line, not after the handshake.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

DEFAULT_API_URL = "http://127.0.0.1:8000/api/v1"
DEFAULT_TIMEOUT_SECONDS = 30.0
TOKEN_PREFIX = "hsk_"
_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ConfigError(ValueError):
    """The environment is unusable; the message is safe to print (it never holds the token)."""


@dataclass(frozen=True)
class McpConfig:
    """What the server needs to reach the API. ``repr`` hides the token."""

    api_url: str
    token: str = field(repr=False)
    timeout: float = DEFAULT_TIMEOUT_SECONDS
    log_level: int = logging.WARNING


def _api_url(raw: str) -> str:
    """Check the base URL is absolute http(s) and drop a trailing slash."""
    url = raw.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            f"HOURSMITH_API_URL must be an absolute http(s) URL such as {DEFAULT_API_URL}, "
            f"got {raw!r}"
        )
    return url


def _token(raw: str | None) -> str:
    """Check the token is present and looks like a Hoursmith token, without echoing it."""
    if raw is None or not raw.strip():
        raise ConfigError(
            "HOURSMITH_API_TOKEN is not set: create an API token in Hoursmith "
            "(it starts with hsk_) and pass it in the MCP client's env block"
        )
    token = raw.strip()
    if not token.startswith(TOKEN_PREFIX):
        raise ConfigError(
            "HOURSMITH_API_TOKEN does not look like a Hoursmith API token "
            f"(it must start with {TOKEN_PREFIX})"
        )
    if any(ch.isspace() or not ch.isprintable() for ch in token):
        raise ConfigError("HOURSMITH_API_TOKEN contains whitespace or control characters")
    return token


def _timeout(raw: str | None) -> float:
    """Per-request timeout in seconds (``HOURSMITH_MCP_TIMEOUT``)."""
    if raw is None or not raw.strip():
        return DEFAULT_TIMEOUT_SECONDS
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(
            f"HOURSMITH_MCP_TIMEOUT must be a number of seconds, got {raw!r}"
        ) from None
    if not 0 < value <= 600:
        raise ConfigError(f"HOURSMITH_MCP_TIMEOUT must be between 0 and 600 seconds, got {raw!r}")
    return value


def _log_level(raw: str | None) -> int:
    """Log level for stderr (``HOURSMITH_MCP_LOG_LEVEL``, default WARNING)."""
    name = (raw or "WARNING").strip().upper()
    if name not in _LEVELS:
        raise ConfigError(f"HOURSMITH_MCP_LOG_LEVEL must be one of {', '.join(_LEVELS)}")
    return int(logging.getLevelName(name))


def load_config(environ: Mapping[str, str]) -> McpConfig:
    """Build the configuration from environment variables or raise ConfigError."""
    return McpConfig(
        api_url=_api_url(environ.get("HOURSMITH_API_URL") or DEFAULT_API_URL),
        token=_token(environ.get("HOURSMITH_API_TOKEN")),
        timeout=_timeout(environ.get("HOURSMITH_MCP_TIMEOUT")),
        log_level=_log_level(environ.get("HOURSMITH_MCP_LOG_LEVEL")),
    )
