"""Keeping a worker's threads on one CPU, so that the GIL passes between them on that CPU.

Only one thread of a process runs Python at a time. A worker's threads hand the GIL to each
other many times per step: each SQLite or PostgreSQL call gives it up and takes it back, and
a commit that another thread leads wakes its waiter. When the threads sit on different CPUs,
each hand-off wakes the other CPU (an inter-processor interrupt, which a virtual machine turns
into a costly exit) and moves the thread's working set between caches; on one CPU the
hand-off is a plain switch, and a worker of several threads runs markedly faster
(measured in `docs/scaling.md`).

The cost: steps whose work runs in C with the GIL released (numpy on large arrays,
compression, hashing large buffers) no longer run on several CPUs at once within one
worker. Such work scales with worker processes instead, one per CPU (`"auto"` spreads the
processes of a machine, or of its containers, over its CPUs). So it is an option
(`App.worker(cpu=...)`, `podium worker --cpu`), not the default.
"""

from __future__ import annotations

import logging
import os
import socket
import zlib

from podium import errors

AUTO = "auto"
"""`cpu=AUTO`: one of the CPUs this process may use, picked by host name and process id."""

log = logging.getLogger("podium.worker")


def supported() -> bool:
    """Whether this platform lets a thread choose its CPUs (Linux: `os.sched_setaffinity`)."""
    return hasattr(os, "sched_setaffinity") and hasattr(os, "sched_getaffinity")


def choose(cpu: object) -> int | None:
    """The CPU that `cpu` (a worker's option) names, None to leave the threads unpinned.

    `"auto"` picks one of the CPUs this process may use by its process id, offset by a hash
    of the host name: the worker processes of one machine (consecutive ids) take the CPUs in
    turn, and containers, which may all run their worker as the same process id (1), differ
    by host name. Where the platform cannot pin threads it leaves them unpinned. A number
    must be a CPU this process may use.

    Raises:
        ConfigurationError: `cpu` is not None, "auto" or such a CPU number.
    """
    if cpu is None:
        return None
    if cpu == AUTO:
        if not supported():
            return None
        choices = sorted(os.sched_getaffinity(0))
        return choices[(_host_offset() + os.getpid()) % len(choices)]
    if isinstance(cpu, bool) or not isinstance(cpu, int):
        raise errors.ConfigurationError(
            f"cpu={cpu!r} must be a CPU number, 'auto' or None (None: the OS places the threads)"
        )
    if not supported():
        raise errors.ConfigurationError(
            f"cpu={cpu} needs a platform that pins threads (Linux); use cpu='auto' or None here"
        )
    allowed = os.sched_getaffinity(0)
    if cpu not in allowed:
        raise errors.ConfigurationError(
            f"cpu={cpu} is not a CPU this process may run on ({_ranges(allowed)}); "
            "pick one of those, or 'auto'"
        )
    return cpu


def pin(cpu: int | None, owner: str) -> None:
    """Keep the calling thread on `cpu` (None: nothing); a refusal is logged, not raised.

    A worker thread must start whatever happens: if the CPU was taken away since `choose`
    (a container's CPU set changed), the thread runs wherever the OS puts it.
    """
    if cpu is None:
        return
    try:
        os.sched_setaffinity(0, {cpu})
    except OSError as exc:
        log.warning(
            "worker %s: could not keep a thread on CPU %d (%s); it runs where the OS puts it",
            owner,
            cpu,
            exc.strerror or exc,
        )


def _host_offset() -> int:
    """A number fixed for this host name, so that containers with equal process ids differ."""
    return zlib.crc32(socket.gethostname().encode("utf-8", "replace"))


def _ranges(cpus: set[int]) -> str:
    """`cpus` as a short list for a message: "0-3, 6"."""
    ordered = sorted(cpus)
    parts: list[str] = []
    start = prev = ordered[0]
    for cpu in [*ordered[1:], None]:
        if cpu is not None and cpu == prev + 1:
            prev = cpu
            continue
        parts.append(str(start) if start == prev else f"{start}-{prev}")
        if cpu is not None:
            start = prev = cpu
    return ", ".join(parts)
