"""A real HTTP receiver on 127.0.0.1 for webhook tests, the guide's verifier, the schemas.

`Receiver` is a `ThreadingHTTPServer` on a free port; each path answers in its own way
(`/ok` 200, `/fail` 500, `/slow` past the timeout, `/redirect` 302, `/hang` until released,
`/hang-once` only the first time) and
every request is kept with its raw body and headers. `verify` is the function of
docs/webhooks.md, read from the page itself, so the tests check what receivers are told to run.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "webhooks.md"
SPEC = ROOT / "openapi" / "api-v1.yaml"


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float

    @property
    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.body)
        return data


class Receiver:
    """A loopback HTTP server that records every POST; use as a context manager."""

    def __init__(self, slow_seconds: float = 1.0) -> None:
        self.received: list[Received] = []
        self.lock = threading.Lock()
        self.release = threading.Event()
        self.slow_seconds = slow_seconds
        self.failing_paths: set[str] = set()
        # Requests being answered now, and the most at once (the sender's concurrency).
        self.in_flight = 0
        self.most_in_flight = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.lock:
                    receiver.received.append(
                        Received(self.path, dict(self.headers.items()), body, time.time())
                    )
                    receiver.in_flight += 1
                    receiver.most_in_flight = max(receiver.most_in_flight, receiver.in_flight)
                try:
                    receiver.answer(self)
                finally:
                    with receiver.lock:
                        receiver.in_flight -= 1

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path.split("?")[0]
        if path in self.failing_paths or path == "/fail":
            self._reply(handler, 500, b'{"error":"receiver down"}')
        elif path == "/slow":
            time.sleep(self.slow_seconds)
            self._reply(handler, 200, b"late")
        elif path == "/redirect":
            handler.send_response(302)
            handler.send_header("Location", f"http://127.0.0.1:{self.port}/ok")
            handler.send_header("Content-Length", "0")
            handler.end_headers()
        elif path == "/hang":
            self.release.wait(30)
            self._reply(handler, 200, b"ok")
        elif path == "/hang-once" and len(self.on("/hang-once")) == 1:
            self.release.wait(30)  # the first request never gets an answer in time
        else:
            self._reply(handler, 200, b"ok")

    @staticmethod
    def _reply(handler: BaseHTTPRequestHandler, status: int, body: bytes) -> None:
        try:
            handler.send_response(status)
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)
        except OSError:
            pass  # the sender gave up (timeout) and closed the connection

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def url(self, path: str = "/ok") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def on(self, path: str) -> list[Received]:
        with self.lock:
            return [r for r in self.received if r.path == path]

    def wait_for(
        self, count: int, path: str | None = None, timeout: float = 10.0
    ) -> list[Received]:
        """The requests (to `path`) once at least `count` arrived; fails after `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                got = [r for r in self.received if path is None or r.path == path]
            if len(got) >= count or time.monotonic() > deadline:
                assert len(got) >= count, f"{len(got)} of {count} deliveries arrived in {timeout} s"
                return got
            time.sleep(0.01)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@cache
def verify_function() -> Callable[..., bool]:
    """`verify_hoursmith_signature` exactly as docs/webhooks.md prints it."""
    blocks = re.findall(r"```python\n(.*?)```", GUIDE.read_text(), flags=re.S)
    source = next(b for b in blocks if "def verify_hoursmith_signature" in b)
    namespace: dict[str, Any] = {}
    exec(compile(source, str(GUIDE), "exec"), namespace)
    fn: Callable[..., bool] = namespace["verify_hoursmith_signature"]
    return fn


def verify(secret: str, received: Received) -> bool:
    return verify_function()(secret, received.headers["Hoursmith-Signature"], received.body)


@cache
def _spec() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(SPEC.read_text())
    return data


def assert_schema_valid(payload: dict[str, Any]) -> None:
    """Validate a captured payload against the document's schema for its event type."""
    spec = _spec()
    post = spec["webhooks"][payload["type"]]["post"]
    ref = post["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    registry: Registry[Any] = Registry().with_resource(
        "urn:hoursmith", Resource.from_contents(spec, default_specification=DRAFT202012)
    )
    validator = jsonschema.Draft202012Validator(
        {"$ref": f"urn:hoursmith{ref}"},
        registry=registry,
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )
    errors = sorted(validator.iter_errors(payload), key=lambda e: list(e.absolute_path))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]
