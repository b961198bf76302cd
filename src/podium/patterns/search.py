"""Search attributes and debounced starts (storage in `podium.store.search`).

What `App.start(search=, debounce=)`, `App.list(search=)` and `podium.set_search` do.

`podium.set_search(customer="c-9")` inside a workflow body records a `search` event in
history in the same transaction that writes the attributes: a replay returns at once and
writes nothing, so the attributes are those the first run set, whatever the replay computes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from podium import context, errors
from podium.patterns import queues as queues_mod
from podium.store import base
from podium.store import debounce as debounce_store
from podium.store import queues as queue_store
from podium.store import search as search_store


@dataclasses.dataclass(frozen=True)
class StartExtras:
    """The start options handled here: search attributes and a debounce window."""

    search: Mapping[str, Any] | None = None
    debounce: float | dt.timedelta | None = None
    debounce_max: float | dt.timedelta | None = None
    """The longest a debounced run waits after its first start (None: no limit)."""

    @property
    def window(self) -> float | None:
        """The debounce window in seconds (None: no debounce)."""
        return _seconds(self.debounce)

    @property
    def max_wait(self) -> float | None:
        """The debounce maximum wait in seconds (None: no limit)."""
        return _seconds(self.debounce_max)

    def check(self, id: str | None, key: str | None, delay: object) -> StartExtras:
        """Validated options; a ConfigurationError naming what is wrong and the fix."""
        attrs = None if self.search is None else search_store.check(self.search, "search=")
        window = self.debounce
        if isinstance(window, dt.timedelta):
            window = window.total_seconds()
        if window is not None:
            if isinstance(window, bool) or not isinstance(window, int | float) or window <= 0:
                raise errors.ConfigurationError(
                    f"debounce={self.debounce!r} must be a positive number of seconds"
                )
            if key is None:
                raise errors.ConfigurationError(
                    "debounce= needs key=: starts with the same key fold into one run "
                    "(e.g. debounce=5.0, key='cart-9')"
                )
            if id is not None or delay:
                raise errors.ConfigurationError(
                    "debounce= chooses the run's id and start time itself; drop id= and delay="
                )
        longest = _seconds(self.debounce_max)
        if self.debounce_max is not None:
            if window is None:
                raise errors.ConfigurationError(
                    "debounce_max= caps a debounced start's wait; it needs debounce= and key= "
                    "(e.g. debounce=5.0, debounce_max=60.0, key='cart-9')"
                )
            if (
                isinstance(longest, bool)
                or not isinstance(longest, int | float)
                or not longest > 0
                or longest == float("inf")
            ):
                raise errors.ConfigurationError(
                    f"debounce_max={self.debounce_max!r} must be a positive number of seconds"
                )
            if longest < window:
                raise errors.ConfigurationError(
                    f"debounce_max={longest:g} is shorter than debounce={window:g}; make it at "
                    "least the debounce window (it caps how long repeated starts can postpone "
                    "the run)"
                )
        return StartExtras(
            attrs,
            None if window is None else float(window),
            None if longest is None else float(longest),
        )


def _seconds(value: float | dt.timedelta | None) -> float | None:
    return value.total_seconds() if isinstance(value, dt.timedelta) else value


def create(
    store: base.Store, new: base.NewWorkflow, now: float, extras: StartExtras
) -> tuple[base.WorkflowRecord, bool]:
    """Create `new` with its search attributes, debounced if asked; see `queues.create`.

    Without extras this is `queues.create` unchanged (no attributes: no extra statement).
    """
    searches = search_store.for_store(store)
    attrs = {} if not extras.search else searches.fix_types(extras.search, "search=")
    window = extras.window
    if window is not None and new.key is not None:
        longest = extras.max_wait
        ready = now + (window if longest is None else min(window, longest))
        new = dataclasses.replace(new, ready_at=ready, owner=None, lease_until=None)
        config = queue_store.configs(store.connector).get(new.queue)
        depth = None if config is None else config.max_depth
        if config is not None and not config.priority and new.priority:
            new = dataclasses.replace(new, priority=0)
        return debounce_store.start(store, new, str(new.key), attrs, now, longest, depth)
    if not attrs:
        return queues_mod.create(store, new, now)
    config = queue_store.configs(store.connector).get(new.queue)
    if config is not None and (config.max_depth is not None or config.limits_claims):
        record, created = queues_mod.create(store, new, now)
        if created:  # a bounded queue's own transaction: attributes follow at once
            with store.connector.transaction() as run:
                searches.write(run, record.id, attrs)
        return record, created
    return searches.create(new, attrs, now)


def set_search(attrs: Mapping[str, Any] | None = None, /, **more: Any) -> Any:
    """Set search attributes of the running workflow (None removes one); durable.

    `podium.set_search(status="shipped", amount=42)` or `podium.set_search({"status": ...})`.
    Recorded in history with the write: a replay does not write again. In an `async def`
    workflow, `await` it.
    """
    run = context.current("set_search")
    values = search_store.check({**(attrs or {}), **more}, "set_search()", removals=True)
    if not values:
        raise errors.ConfigurationError(
            "podium.set_search() needs at least one attribute, e.g. set_search(status='paid')"
        )
    position = run.take("search", "set_search")
    if position.recorded is not None:
        return context.ready(run, None)
    searches = search_store.for_store(run.runtime.store)
    stored = run.guarded(lambda: searches.fix_types(values, "set_search()"))
    run.commit(
        position,
        json.dumps(stored, sort_keys=True),
        via=lambda fence, event: searches.write_fenced(fence, event, stored),
    )
    return context.ready(run, None)


def listing(
    store: base.Store,
    search: Mapping[str, Any],
    status: str | None,
    workflow: str | None,
    queue: str | None,
    limit: int,
    offset: int,
) -> list[base.WorkflowInfo]:
    """`App.list(search=...)`: workflows whose attributes equal every one in `search`."""
    searches = search_store.for_store(store)
    filters = searches.check_filter(search)
    if filters is None:  # a key no workflow ever had
        return []
    records = searches.select(
        statuses=() if status is None else (status,),
        workflow=workflow,
        queue=queue,
        search=filters,
        limit=limit,
        offset=offset,
    )
    return [r.info() for r in records]


def attributes(store: base.Store, workflow_id: str) -> dict[str, Any]:
    """The search attributes of `workflow_id`; WorkflowNotFound if there is no such workflow."""
    if store.get_workflow(workflow_id) is None:
        raise errors.WorkflowNotFound(workflow_id)
    return search_store.for_store(store).get(workflow_id)
