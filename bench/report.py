"""Goals, the printed/markdown tables, and `results/latest.json`.

The markdown written next to the JSON is what `bench/README.md` and the main README quote, so the
published table is always generated from a real run, never typed by hand.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Goal:
    figure: str
    op: str  # ">=", "<=", "<"
    target: float

    def check(self, value: float | None) -> bool | None:
        if value is None:
            return None
        ops: dict[str, Callable[[float, float], bool]] = {
            ">=": operator.ge,
            "<=": operator.le,
            "<": operator.lt,
        }
        return ops[self.op](value, self.target)


# `make bench-scale`: a first page at 1M rows ≤ this × the default first page at 100k.
GROWTH_GOAL = 1.5

GOALS = (
    Goal("list_vs_fastapi", ">=", 1.0),
    Goal("depth_ratio", "<=", 1.3),
    Goal("response_validation_ratio", ">=", 0.9),
    Goal("post_vs_get", ">=", 0.5),
    Goal("rate_limit_get_ratio_postgresql", ">=", 0.9),
    # PostgreSQL's CPU per list request ÷ the server's (one process): the database's share.
    Goal("pg_cpu_share", "<=", 0.1),
    # Server CPU per request with two processes ÷ one: no contention cost between processes.
    # (`pg_scaling`, the throughput ratio, stays as information: on 2 cores shared with wrk and
    # PostgreSQL it says how full the machine is, not how the server scales.)
    Goal("pg_server_cpu_ratio", "<=", 1.1),
    Goal("post_with_webhook_vs_post", ">=", 0.9),
    Goal("generate_seconds", "<", 3.0),
    Goal("peak_rss_mb", "<", 200.0),
)


def evaluate(figures: Mapping[str, Any]) -> list[dict[str, Any]]:
    out = []
    for goal in GOALS:
        value = figures.get(goal.figure)
        passed = goal.check(value)
        out.append(
            {
                "figure": goal.figure,
                "value": value,
                "goal": f"{goal.op} {goal.target:g}",
                "result": {True: "pass", False: "FAIL", None: "not measured"}[passed],
            }
        )
    return out


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.3f}".rstrip("0").rstrip(".") if abs(value) < 100 else f"{value:,.0f}"
    return str(value)


def markdown(doc: Mapping[str, Any]) -> str:
    """Three tables: goals, every variant's medians, and the other figures."""
    meta = doc["meta"]
    lines = [
        f"Run {meta['date']} ({meta['mode']}: {meta['time_entries']:,} time entries, "
        f"{meta['rounds']} interleaved rounds of {meta['round_seconds']} s, medians; "
        f"{meta['machine']}; load average before/after "
        f"{'/'.join(str(x) for x in meta.get('loadavg_1m_before_after', []))}).",
        "",
        "| goal | value | target | result |",
        "|---|---:|---|---|",
    ]
    for goal in doc["goals"]:
        lines.append(
            f"| {goal['figure']} | {_fmt(goal['value'])} | {goal['goal']} | {goal['result']} |"
        )
    if doc.get("skipped"):
        lines.append(f"\nNot measured: {doc['skipped'].splitlines()[0]}")
    for name, reason in doc.get("failed_servers", {}).items():
        first = next((line for line in reason.splitlines()[1:] if line.strip()), reason)
        lines.append(f"\nNot measured: server `{name}` did not start cleanly ({first.strip()}).")
    lines += [
        "",
        "| scenario | variant | req/s | rounds (req/s) | p50 ms | p99 ms | non-2xx |",
        "|---|---|---:|---|---:|---:|---:|",
    ]
    for name, scenario in doc["scenarios"].items():
        for variant, stats in scenario["variants"].items():
            med = stats["median"]
            rounds = ", ".join(f"{r['rps']:.0f}" for r in stats["rounds"])
            lines.append(
                f"| {name} | {variant} | {med['rps']:,.0f} | {rounds} | {med['p50_ms']:.2f} "
                f"| {med['p99_ms']:.2f} | {stats['non_2xx']} |"
            )
    goal_figures = {g.figure for g in GOALS}
    others = {k: v for k, v in doc["figures"].items() if k not in goal_figures}
    if others or doc.get("peak_rss_mb"):
        lines += ["", "| other figure | value |", "|---|---:|"]
        lines += [f"| {k} | {_fmt(v)} |" for k, v in others.items()]
        lines += [f"| peak RSS {k} (MiB) | {_fmt(v)} |" for k, v in doc["peak_rss_mb"].items()]
    return "\n".join(lines) + "\n"


def _previous(json_path: Path) -> dict[str, Any]:
    try:
        loaded: dict[str, Any] = json.loads(json_path.read_text())
    except (OSError, ValueError):
        return {}
    return loaded


def write(doc: dict[str, Any], json_path: Path) -> str:
    """Add the goals, write `<name>.json` and `<name>.md`, return the markdown.

    The `scale` section (`make bench-scale`, its own run and date) is kept from the file."""
    doc["goals"] = evaluate(doc["figures"])
    if "scale" not in doc and "scale" in (previous := _previous(json_path)):
        doc["scale"] = previous["scale"]
    _dump(doc, json_path)
    text = markdown(doc)
    json_path.with_suffix(".md").write_text(text)
    return text


def write_scale(scale: dict[str, Any], json_path: Path) -> str:
    """Store `scale` as that section of `json_path` (the rest kept) and write `<stem>-scale.md`."""
    doc = _previous(json_path)
    doc["scale"] = scale
    _dump(doc, json_path)
    text = scale_markdown(scale)
    json_path.with_name(f"{json_path.stem}-scale.md").write_text(text)
    return text


def scale_markdown(scale: Mapping[str, Any]) -> str:
    """One row per query: p50 at 1M on each database and its growth ratio."""
    meta = scale["meta"]
    backends = list(scale["backends"])
    sizes = meta["time_entries"]
    lines = [
        f"{sizes['scale']:,} vs {sizes['base']:,} time entries; {meta['method']}.",
        *(
            f"{b}: run {r.get('date', meta['date'])}, load average before/after "
            f"{'/'.join(str(x) for x in r.get('loadavg_1m_before_after', []))}."
            for b, r in scale["backends"].items()
        ),
        "",
        "| query at 1M | " + " | ".join(f"{b} p50 ms | {b} growth" for b in backends) + " | goal |",
        "|---|" + "---:|---:|" * len(backends) + "---|",
        "| default first page at 100k (base) | "
        + " | ".join(
            f"{_fmt(scale['backends'][b]['base_default_100k']['p50_ms'])} | 1" for b in backends
        )
        + " | |",
    ]
    names = list(scale["backends"][backends[0]]["queries"]) if backends else []
    for name in names:
        cells, results = [], []
        for backend in backends:
            entry = scale["backends"][backend]["queries"][name]
            cells.append(f"{_fmt(entry['p50_ms'])} | {_fmt(entry['growth_ratio'])}")
            results.append(entry["growth_ratio"] <= GROWTH_GOAL)
        goal = scale["backends"][backends[0]]["queries"][name]["goal"]
        verdict = ("pass" if all(results) else "FAIL") if goal else "information"
        lines.append(f"| {name} | {' | '.join(cells)} | {verdict} |")
    for backend, reason in sorted(scale.get("skipped", {}).items()):
        lines.append(f"\nNot measured on {backend}: {reason}")
    return "\n".join(lines) + "\n"


def _dump(doc: Mapping[str, Any], json_path: Path) -> None:
    json_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = json_path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    tmp.replace(json_path)
