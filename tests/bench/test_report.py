"""Where bench figures are written: the scale section next to the 100k run, and its table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.report import write, write_scale


def _run_doc(value: float) -> dict[str, Any]:
    meta = {"date": "2026-12-07T00:00:00+00:00", "mode": "full", "time_entries": 100_000,
            "rounds": 3, "round_seconds": 10, "machine": "x86_64, 2 cores",
            "loadavg_1m_before_after": [1.0, 2.0]}  # fmt: skip
    return {"meta": meta, "scenarios": {}, "figures": {"list_vs_fastapi": value},
            "peak_rss_mb": {}, "failed_servers": {}}  # fmt: skip


def _scale_doc(growth: float) -> dict[str, Any]:
    queries = {
        "default": {"p50_ms": 4.0 * growth, "growth_ratio": growth, "goal": True},
        "search_common": {"p50_ms": 40.0, "growth_ratio": 10.0, "goal": False},
    }
    return {
        "meta": {
            "date": "2026-12-07T01:00:00+00:00",
            "method": "one client",
            "time_entries": {"base": 100_000, "scale": 1_000_000},
            "loadavg_1m_before_after": [1.0, 1.5],
        },
        "backends": {"sqlite": {"base_default_100k": {"p50_ms": 4.0}, "queries": queries}},
        "figures": {"growth_ratio_sqlite_default": growth},
        "goals": [],
    }


def test_scale_section_joins_the_run_and_survives_the_next_run(tmp_path: Path) -> None:
    """bench-scale adds `scale` to latest.json without touching the run; a new run keeps it."""
    path = tmp_path / "latest.json"
    write(_run_doc(1.2), path)
    write_scale(_scale_doc(1.1), path)
    doc = json.loads(path.read_text())
    assert doc["figures"]["list_vs_fastapi"] == 1.2
    assert doc["scale"]["figures"]["growth_ratio_sqlite_default"] == 1.1
    write(_run_doc(1.3), path)
    doc = json.loads(path.read_text())
    assert doc["figures"]["list_vs_fastapi"] == 1.3
    assert doc["scale"]["figures"]["growth_ratio_sqlite_default"] == 1.1


def test_scale_table_marks_goals_and_information(tmp_path: Path) -> None:
    """The scale table fails a query over the growth goal and marks no-goal queries."""
    path = tmp_path / "latest.json"
    table = write_scale(_scale_doc(1.6), path)
    assert (tmp_path / "latest-scale.md").read_text() == table
    rows = {line.split(" | ")[0].strip("| "): line for line in table.splitlines()}
    assert rows["default"].endswith("| FAIL |")
    assert rows["search_common"].endswith("| information |")
    assert "| default first page at 100k (base) | 4 | 1 |" in table
