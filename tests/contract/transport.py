"""How the contract hooks and checks talk to the API under test: in-process or over HTTP.

Schemathesis sends each case either to the ASGI app bound to the schema (the in-process suite)
or over HTTP to a base URL (the CLI against any deployment). The extra requests the hooks and
checks make (records a repair needs, next pages, replays) go the same way as the case, so one
code path serves both runs.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Reply:
    """A follow-up response reduced to what the hooks and checks compare."""

    status: int
    headers: Mapping[str, str]  # lower-case names
    body: bytes

    def json(self) -> Any:
        """The body parsed as JSON (None when empty or not JSON)."""
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None


Sender = Callable[[str, str, Mapping[str, str], bytes | None], Reply]


def sender_for(app: Any, verify: Any = True) -> Sender:
    """A function sending one raw request to `app` (ASGI, in-process) or, when None, over HTTP."""
    if app is not None:
        from starlette.testclient import TestClient  # noqa: PLC0415 (in-process only)

        client = TestClient(app, raise_server_exceptions=False)

        def send_asgi(
            method: str, url: str, headers: Mapping[str, str], body: bytes | None
        ) -> Reply:
            resp = client.request(method, url, headers=dict(headers), content=body)
            lowered = {k.lower(): v for k, v in resp.headers.items()}
            return Reply(resp.status_code, lowered, resp.content)

        return send_asgi

    import requests  # noqa: PLC0415

    def send_http(method: str, url: str, headers: Mapping[str, str], body: bytes | None) -> Reply:
        resp = requests.request(
            method, url, headers=dict(headers), data=body, timeout=30, verify=verify
        )
        lowered = {k.lower(): v for k, v in resp.headers.items()}
        return Reply(resp.status_code, lowered, resp.content)

    return send_http


def make_sender(ctx: Any, case: Any) -> Sender:
    """For a check: send the way the checked case was sent (its ASGI app, else HTTP)."""
    transport_kwargs = getattr(ctx, "transport_kwargs", None) or {}
    app = transport_kwargs.get("app", case.operation.app)
    return sender_for(app, transport_kwargs.get("verify", True))


def base_url_of(case: Any) -> str:
    """The API's base URL for `case` (`http://host:port/api/v1`, or `/api/v1` in-process)."""
    operation = case.operation
    return str(operation.base_url or operation.schema.get_base_url()).rstrip("/")
