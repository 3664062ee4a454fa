"""One HTTP attempt: POST the stored bytes, signed afresh, to the checked address (httpx).

No redirects are followed (a 3xx is a failure), no proxy or other setting is taken from the
environment, and the whole attempt — connect, send, status and a bounded excerpt of the
response — must finish within the timeout.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import httpx

from server.webhooks.addresses import Target
from server.webhooks.signing import signature_header

EXCERPT_BYTES = 1024
USER_AGENT = "Hoursmith-Webhooks/1.0"


@dataclass(frozen=True)
class AttemptResult:
    """What one try gave: a status code or an error, how long it took, what the receiver said."""

    status_code: int | None
    error: str | None
    duration_ms: int
    excerpt: str | None

    @property
    def ok(self) -> bool:
        """A 2xx within the timeout (a receiver that stalls mid-body has not answered)."""
        return self.error is None and self.status_code is not None and 200 <= self.status_code < 300


def new_client() -> httpx.AsyncClient:
    """The worker's client: no environment proxies, no redirects, certificates verified."""
    return httpx.AsyncClient(
        trust_env=False,
        follow_redirects=False,
        limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
    )


async def send(
    client: httpx.AsyncClient,
    target: Target,
    secret: str,
    body: bytes,
    *,
    event_id: str,
    timeout: float,
) -> AttemptResult:
    """POST `body` to `target` and report the outcome (never raises for network trouble)."""
    headers = {
        "Host": target.host_header,
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Hoursmith-Event-Id": event_id,
        "Hoursmith-Signature": signature_header(secret, int(time.time()), body),
    }
    # TLS names the host (SNI and certificate check), while TCP goes to the checked address.
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    started = time.monotonic()
    status: int | None = None
    excerpt: bytes = b""
    error: str | None = None
    try:
        async with asyncio.timeout(timeout):
            request = client.build_request(
                "POST",
                target.connect_url,
                content=body,
                headers=headers,
                timeout=timeout,
                extensions=extensions,
            )
            response = await client.send(request, stream=True)
            try:
                status = response.status_code
                async for chunk in response.aiter_raw():
                    excerpt += chunk
                    if len(excerpt) >= EXCERPT_BYTES:
                        break
            finally:
                await response.aclose()
    except TimeoutError:
        error = f"timed out after {timeout:g} s"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"[:500] or type(exc).__name__
    duration_ms = int((time.monotonic() - started) * 1000)
    text = excerpt[:EXCERPT_BYTES].decode("utf-8", "replace") if excerpt else None
    return AttemptResult(status, error, duration_ms, text)
