"""Pure parts of the bench: wrk output parsing, the Lua script, the goals (no processes)."""

from __future__ import annotations

import pytest

from bench.report import evaluate
from bench.wrk import Load, WrkError, parse_output

WRK_OUTPUT = """\
Running 3s test @ http://127.0.0.1:40000/api/v1/time-entries?limit=50
  1 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    23.34ms   10.01ms 120.00ms   80.00%
    Req/Sec   670.36     50.00   800.00     70.00%
  Latency Distribution
     50%  950.00us
     75%   25.00ms
     90%   30.00ms
     99%    1.20s
  2068 requests in 3.08s, 5.00MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 7
Requests/sec:    670.36
Transfer/sec:      1.62MB
"""


def test_parse_output_reads_throughput_latency_and_errors() -> None:
    result = parse_output(WRK_OUTPUT)
    assert result.requests_per_sec == pytest.approx(670.36)
    assert result.p50_ms == pytest.approx(0.95)
    assert result.p99_ms == pytest.approx(1200.0)
    assert (result.requests, result.non_2xx, result.socket_errors) == (2068, 7, 3)


def test_parse_output_rejects_garbage() -> None:
    with pytest.raises(WrkError):
        parse_output("wrk: connection refused")


def test_post_script_sends_a_fresh_idempotency_key_and_rotates_tokens() -> None:
    load = Load("POST", "/api/v1/time-entries", ["tok-a", "tok-b"], '{"note": "x"}')
    script, again = load.lua(), load.lua()
    assert '"tok-a", "tok-b"' in script
    assert "Idempotency-Key" in script
    assert "counter = counter + 1" in script
    # A new nonce per script: keys never repeat across rounds or runs.
    assert script != again


def test_goals_pass_fail_and_unmeasured() -> None:
    goals = {g["figure"]: g["result"] for g in evaluate({"list_vs_fastapi": 1.2, "depth_ratio": 2})}
    assert goals["list_vs_fastapi"] == "pass"
    assert goals["depth_ratio"] == "FAIL"
    assert goals["pg_server_cpu_ratio"] == "not measured"
    assert "pg_scaling" not in goals  # information only: see bench/README.md
