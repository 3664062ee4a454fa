"""Where the CPU of a measured round goes: the servers, PostgreSQL and the load generator.

Read from `/proc` (Linux) around each round: a server's own utime + stime; every `postgres`
process's utime + stime plus the reaped children's time of each (backends that exited are
accounted to the postmaster); wrk's time from this process's reaped children (`os.times()`),
since wrk is a child of the bench that is waited for at the end of each round. Servers are
children too, but are only reaped when stopped, after every round. On a system without `/proc`
every figure is None.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

_PROC = Path("/proc")
TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
WRK = "wrk"
POSTGRESQL = "postgresql"


def _stat_fields(pid: str) -> list[str] | None:
    try:
        text = (_PROC / pid / "stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may contain spaces; the fields after it are numeric.
    return text.rsplit(")", 1)[1].split()


def process_seconds(pid: int | str, *, children: bool = False) -> float | None:
    """utime + stime of `pid` (plus cutime + cstime with `children`), in seconds."""
    fields = _stat_fields(str(pid))
    if fields is None:
        return None
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / TICKS


def postgres_seconds(postmaster: int | None = None) -> float:
    """CPU seconds of PostgreSQL processes: those of the cluster whose postmaster is given (it and
    its children: other clusters on a shared machine are not ours), else every `postgres*`."""
    total = 0.0
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            name = (entry / "comm").read_text().strip()
        except OSError:
            continue
        if not name.startswith("postgres"):
            continue
        if postmaster is not None and int(entry.name) != postmaster:
            fields = _stat_fields(entry.name)
            if fields is None or int(fields[1]) != postmaster:  # field 4: ppid
                continue
        total += process_seconds(entry.name, children=True) or 0.0
    return total


@dataclass(frozen=True)
class CpuMeter:
    """Snapshots the CPU seconds of the named server processes, PostgreSQL and wrk."""

    servers: Mapping[str, int]  # name → pid
    postmaster: int | None = None  # the cluster's postmaster pid (None: every postgres process)

    def snapshot(self) -> dict[str, float] | None:
        if not _PROC.is_dir():
            return None
        out: dict[str, float] = {}
        for name, pid in self.servers.items():
            seconds = process_seconds(pid)
            if seconds is None:
                return None
            out[name] = seconds
        out[POSTGRESQL] = postgres_seconds(self.postmaster)
        times = os.times()
        out[WRK] = times.children_user + times.children_system
        return out


def spent(before: Mapping[str, float], after: Mapping[str, float]) -> dict[str, float]:
    """CPU seconds per group between two snapshots."""
    return {name: max(0.0, after[name] - before[name]) for name in before}
