"""CPU seconds spent by processes, read from /proc: where a benchmark's time really goes.

Wall time on a shared machine is noisy and says nothing about what the limit is; CPU seconds
per step, split into the client (worker processes) and the PostgreSQL server, give the
capacity model: with `cores` cores the work cannot run faster than cores / (CPU per step).

A server backend is a process too: pass its pid (`pg_backend_pid()`, `pg_stat_activity`) to
count it. Linux only; elsewhere `available()` is False and callers report null.
"""

from __future__ import annotations

import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
PROC = Path("/proc")


def available() -> bool:
    """Whether /proc/<pid>/stat can be read here."""
    return (PROC / "self" / "stat").exists()


def _fields(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name, or None if it is gone."""
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()


def process_cpu(pid: int, children: bool = False) -> float:
    """CPU seconds (user + system) of `pid`, with its reaped children's if `children`."""
    fields = _fields(pid)
    if fields is None:
        return 0.0
    # After the name: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14).
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / TICKS


def server_cpu(postmaster: int) -> float:
    """CPU seconds of a server: the postmaster, its reaped children and its live children.

    Reaped children (`cutime`/`cstime`) hold backends that exited, so a delta over a window is
    exact for backends that started, lived or ended within it.
    """
    total = process_cpu(postmaster, children=True)
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            fields = _fields(int(entry.name))
            if fields is not None and int(fields[1]) == postmaster:
                total += process_cpu(int(entry.name))
    return total
