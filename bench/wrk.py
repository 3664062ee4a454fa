"""Drive a server with wrk from the other core and parse what it prints.

wrk is a C load generator: one thread keeps 16 connections busy for a fraction of the CPU a
Python client would need, so the measured server, not the client, is the bottleneck. A generated
Lua script adds the `Authorization` header (rotating over a token pool when asked) and, for POST,
a unique `Idempotency-Key` per request (run nonce + thread + counter: keys are remembered for a
day, so a key must never repeat across rounds or runs).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.servers import pinned

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


class WrkError(RuntimeError):
    """wrk is missing and cannot be installed, or printed something we cannot parse."""


def ensure_wrk() -> str:
    """Path to wrk; installs the Debian package when running as root and it is missing."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        raise WrkError("wrk is not installed: `apt-get install wrk` (Debian/Ubuntu)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, env=env)
    found = shutil.which("wrk")
    if not found:
        raise WrkError("apt-get installed wrk but it is not on PATH")
    return found


@dataclass(frozen=True)
class Load:
    """What to send: method, path, body, and the tokens to rotate over."""

    method: str
    path: str
    tokens: Sequence[str]
    body: str | None = None

    def lua(self) -> str:
        """The wrk script for this load (tokens and body embedded as Lua string literals)."""
        tokens = ", ".join(json.dumps(t) for t in self.tokens)
        body = json.dumps(self.body) if self.body is not None else "nil"
        nonce = secrets.token_hex(6)
        return f"""
local tokens = {{{tokens}}}
local ntokens = #tokens
local method, path, body = {json.dumps(self.method)}, {json.dumps(self.path)}, {body}
local nonce = "{nonce}"
thread_no = 0  -- global: setup() overrides it in each thread's Lua state
local counter, next_token = 0, 0

function setup(thread)
  thread_no = thread_no + 1
  thread:set("thread_no", thread_no)
end

function request()
  next_token = next_token % ntokens + 1
  local headers = {{["Authorization"] = "Bearer " .. tokens[next_token]}}
  if method == "POST" then
    counter = counter + 1
    headers["Idempotency-Key"] = "bench-" .. nonce .. "-" .. tostring(thread_no) .. "-" .. counter
    headers["Content-Type"] = "application/json"
  end
  return wrk.format(method, path, headers, body)
end
"""


@dataclass(frozen=True)
class WrkResult:
    requests_per_sec: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int
    socket_errors: int

    def as_dict(self) -> dict[str, float | int]:
        return {
            "rps": round(self.requests_per_sec, 1),
            "p50_ms": round(self.p50_ms, 3),
            "p99_ms": round(self.p99_ms, 3),
            "requests": self.requests,
            "non_2xx": self.non_2xx,
            "socket_errors": self.socket_errors,
        }


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if match is None:
        raise WrkError(f"cannot parse latency {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse_output(text: str) -> WrkResult:
    """Parse `wrk --latency` output (throughput, p50/p99, non-2xx and socket errors)."""
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    p50 = re.search(r"^\s+50%\s+(\S+)", text, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", text, re.MULTILINE)
    total = re.search(r"(\d+) requests in", text)
    if not (rps and p50 and p99 and total):
        raise WrkError(f"unexpected wrk output:\n{text}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text
    )
    return WrkResult(
        requests_per_sec=float(rps.group(1)),
        p50_ms=_ms(p50.group(1)),
        p99_ms=_ms(p99.group(1)),
        requests=int(total.group(1)),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(int(g) for g in errors.groups()) if errors else 0,
    )


@dataclass(frozen=True)
class Wrk:
    """One wrk configuration: binary, pinned core, connections, threads, script directory."""

    binary: str
    scriptdir: Path
    cores: str | None = "1"
    connections: int = 16
    threads: int = 1

    def command(self, base_url: str, load: Load, seconds: float) -> list[str]:
        script = self.scriptdir / f"load-{secrets.token_hex(4)}.lua"
        script.write_text(load.lua())
        argv = [
            self.binary,
            f"-t{self.threads}",
            f"-c{self.connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "10s",
            "--latency",
            "-s",
            str(script),
            base_url + load.path,
        ]
        return pinned(self.cores, argv)

    def run(self, base_url: str, load: Load, seconds: float) -> WrkResult:
        done = subprocess.run(
            self.command(base_url, load, seconds), capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise WrkError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
        return parse_output(done.stdout)

    def run_parallel(self, jobs: Sequence[tuple[str, Load]], seconds: float) -> list[WrkResult]:
        """Several wrk processes at once (one per target), e.g. two servers behind one database."""
        procs = [
            subprocess.Popen(
                self.command(url, load, seconds),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for url, load in jobs
        ]
        results = []
        for proc in procs:
            out, err = proc.communicate()
            if proc.returncode != 0:
                raise WrkError(f"wrk failed ({proc.returncode}): {err or out}")
            results.append(parse_output(out))
        return results
