from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from bench.cpu import POSTGRESQL, WRK, CpuMeter, process_seconds, spent
from bench.measure import Stats
from bench.wrk import WrkResult

pytestmark = pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs Linux /proc")

BURN = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass\n"


def test_meter_sees_a_busy_server_and_a_reaped_child() -> None:
    """A spinning process's CPU shows under its name, and a finished child's under wrk."""
    server = subprocess.Popen([sys.executable, "-c", BURN + "time.sleep(30)"])
    try:
        meter = CpuMeter({"server_1": server.pid})
        before = meter.snapshot()
        assert before is not None
        time.sleep(1.0)  # the server burns 0.3 s of CPU, then sleeps
        subprocess.run([sys.executable, "-c", BURN], check=True)  # a child like wrk, reaped
        after = meter.snapshot()
        assert after is not None
        used = spent(before, after)
        assert 0.2 <= used["server_1"] <= 1.0
        assert used[WRK] >= 0.2
        assert used[POSTGRESQL] >= 0.0
    finally:
        server.kill()
        server.wait()


def test_unknown_pid_has_no_cpu_time() -> None:
    """A pid that does not exist reads as None, not as zero."""
    assert process_seconds(2**22 + 12345) is None


def test_cpu_per_request_sums_rounds() -> None:
    """CPU µs per request is the metered seconds of all rounds over all their requests."""
    stats = Stats(
        rounds=[WrkResult(100.0, 1.0, 2.0, 1000, 0, 0), WrkResult(100.0, 1.0, 2.0, 1000, 0, 0)],
        cpu_rounds=[{"server_1": 2.0, WRK: 0.1}, {"server_1": 2.2, WRK: 0.1}],
    )
    assert stats.cpu_us_per_request() == {"server_1": 2100.0, WRK: 100.0}
    assert Stats().cpu_us_per_request() == {}
