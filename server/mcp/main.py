"""``hoursmith-mcp`` console script: check the environment, then serve MCP over stdio.

stdout belongs to the protocol, so everything human-readable goes to stderr, and a bad
configuration exits non-zero before the first protocol byte. This module imports only the
generated tool table and HTTP code, never the database or the services.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import anyio
from mcp.server.stdio import stdio_server

from server.mcp.config import ConfigError, McpConfig, load_config
from server.mcp.factory import build_server

EXIT_CONFIG = 2


def load_table() -> Sequence[Mapping[str, Any]]:
    """The generated tool table (imported late so tests can run without it)."""
    from server.generated.mcp_tools import TOOLS  # noqa: PLC0415 - deliberate late import

    rows: Sequence[Mapping[str, Any]] = TOOLS
    return rows


async def serve(config: McpConfig, rows: Sequence[Mapping[str, Any]]) -> None:
    """Serve one MCP session on stdin/stdout until the client closes it."""
    server = build_server(config, rows)
    async with stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in ("-h", "--help"):
        print(
            "usage: hoursmith-mcp  (MCP over stdio)\n"
            "  HOURSMITH_API_TOKEN  required, an API token starting with hsk_\n"
            "  HOURSMITH_API_URL    default http://127.0.0.1:8000/api/v1\n"
            "  HOURSMITH_MCP_TIMEOUT, HOURSMITH_MCP_LOG_LEVEL  optional",
            file=sys.stderr,
        )
        return 0
    try:
        config = load_config(os.environ if environ is None else environ)
    except ConfigError as exc:
        print(f"hoursmith-mcp: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    logging.basicConfig(
        stream=sys.stderr,
        level=config.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    rows = load_table()
    logging.getLogger("hoursmith_mcp").info(
        "serving %d tools for %s over stdio", len(rows), config.api_url
    )
    try:
        anyio.run(serve, config, rows)
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
