"""LISTEN/NOTIFY for the PostgreSQL store: push wake-ups to this process's workers and waiters.

A trigger on podium_workflows notifies channel "podium" with "work:<schema>:<queue>" when a
workflow may have become claimable and "done:<schema>:<id>" when one finished. One thread per
store listens on its own connection and hands these to the subscribed listeners. After a lost
connection it reconnects with backoff and tells every listener to look for work, since
notifications sent meanwhile are gone; workers also keep polling slowly as a fallback.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import psycopg

from podium.store import base

CHANNEL = "podium"
RECONNECT_DELAY = 0.1
RECONNECT_MAX_DELAY = 0.5
"""The longest wait between attempts to listen again: a return is noticed within this."""
log = logging.getLogger("podium.postgres")


class NotificationListener:
    """Dispatches the store's notifications for one schema to subscribed listeners."""

    def __init__(self, conninfo: str, schema: str) -> None:
        self._conninfo = conninfo
        self._schema = schema
        self._listeners: list[base.Listener] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._backoff = RECONNECT_DELAY

    def subscribe(self, listener: base.Listener) -> Callable[[], None]:
        """Start delivering to `listener`; return the function that stops it."""
        with self._lock:
            self._listeners.append(listener)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="podium-listen", daemon=True)
                self._thread.start()

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def close(self) -> None:
        """Stop listening."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        self._backoff = RECONNECT_DELAY
        while not self._stop.is_set():
            try:
                self._listen()
            except psycopg.Error as exc:
                log.warning(
                    "LISTEN connection lost (%s); reconnecting in %.1fs", exc, self._backoff
                )
                self._stop.wait(self._backoff)
                self._backoff = min(self._backoff * 2, RECONNECT_MAX_DELAY)

    def _listen(self) -> None:
        with psycopg.connect(self._conninfo, autocommit=True) as conn:
            conn.execute(f"LISTEN {CHANNEL}")
            self._backoff = RECONNECT_DELAY  # listening again: the next outage starts afresh
            self._each(lambda listener: listener.work_available())  # missed while away
            while not self._stop.is_set():
                for note in conn.notifies(timeout=0.5):
                    self._dispatch(note.payload)

    def _dispatch(self, payload: str) -> None:
        kind, _, rest = payload.partition(":")
        schema, _, subject = rest.partition(":")
        if schema != self._schema:
            return
        if kind == "work":
            self._each(lambda listener: listener.work_available())
        elif kind == "done":
            self._each(lambda listener: listener.run_ended(subject))

    def _each(self, call: Callable[[base.Listener], None]) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            call(listener)
