"""Schemathesis's CLI against a real `hoursmith serve` process, as against any deployment.

The run is the one `make contract-live` and the README document: `schemathesis run` from the
repository root (so `schemathesis.toml` and its hooks load) with the token in `API_TOKEN`, every
check and every phase. The server is a fresh SQLite database with the demo workspace, rate
limiting off (its headers are still sent and checked). The hooks find the records they need
over HTTP, exactly as they would on a staging server. Examples per operation are bounded by
`HOURSMITH_LIVE_EXAMPLES` to keep `make test` short.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.support.live_server import REPO, live_server_running

EXAMPLES = int(os.environ.get("HOURSMITH_LIVE_EXAMPLES", "10"))
TIMEOUT_SECONDS = 900
PHASES = ("Examples", "Coverage", "Fuzzing", "Stateful")


def live_command(origin: str, examples: int) -> list[str]:
    """`schemathesis run` of the served document, as `make contract-live` runs it."""
    cli = Path(sys.executable).parent / "schemathesis"
    return [
        str(cli),
        "run",
        f"{origin}/api/openapi.json",
        "--max-examples",
        str(examples),
        "--no-color",
    ]


def test_schemathesis_cli_passes_against_a_live_server(tmp_path: Path) -> None:
    """Every check and phase passes with 0 failures against `hoursmith serve` over HTTP."""
    with live_server_running(tmp_path / "server", {"HOURSMITH_RATE_LIMIT": "off"}) as server:
        env = {**os.environ, "API_TOKEN": server.tokens["owner"], "PYTHONPATH": str(REPO)}
        run = subprocess.run(
            live_command(server.base_url, EXAMPLES),
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-6000:]
    summary = re.search(r"Test cases:\s*\n\s*(\d+) generated, (\d+) passed", output)
    assert summary is not None, output[-3000:]
    assert int(summary[1]) == int(summary[2]) > 0, summary[0]
    for phase in PHASES:
        assert re.search(rf"✅ {phase}\b", output), f"phase {phase} did not pass:\n{output[-3000:]}"
    operations = re.search(r"Selected: (\d+)/(\d+)\s+Tested: (\d+)", output)
    assert operations is not None, output[-3000:]
    assert operations[1] == operations[2] == operations[3], (
        f"not every operation ran: {operations[0]}"
    )
