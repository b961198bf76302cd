"""A workflow's history as JSON: what `podium export ID` writes and `replay` reads.

```json
{"format": "podium.history/1", "workflow": {...the workflow record...},
 "history": [{"seq": 0, "kind": "step", "name": "charge", ...}, ...], "attempts": [...]}
```
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping
from typing import Any

from podium import errors
from podium.store import base

FORMAT = "podium.history/1"


@dataclasses.dataclass(frozen=True)
class History:
    """A recorded workflow: its record, its history events and its failed attempts."""

    workflow: base.WorkflowRecord
    events: tuple[base.HistoryEvent, ...]
    attempts: tuple[base.Attempt, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The exported JSON document (a dict ready for `json.dumps`)."""
        return {
            "format": FORMAT,
            "workflow": dataclasses.asdict(self.workflow),
            "history": [dataclasses.asdict(e) for e in self.events],
            "attempts": [dataclasses.asdict(a) for a in self.attempts],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> History:
        """Read an exported document; ConfigurationError if it is not one."""
        if not isinstance(data, Mapping) or data.get("format") != FORMAT:
            raise errors.ConfigurationError(
                f"not a podium history (expected format {FORMAT!r}); write one with "
                "'podium export ID > run.json'"
            )
        try:
            return cls(
                workflow=base.WorkflowRecord(**data["workflow"]),
                events=tuple(base.HistoryEvent(**e) for e in data.get("history", ())),
                attempts=tuple(base.Attempt(**a) for a in data.get("attempts", ())),
            )
        except (KeyError, TypeError) as exc:
            raise errors.ConfigurationError(
                f"a podium history with a broken field: {exc}"
            ) from None


def export(store: base.Store, workflow_id: str) -> History:
    """The history of `workflow_id` in `store`; WorkflowNotFound if there is none."""
    record = store.get_workflow(workflow_id)
    if record is None:
        raise errors.WorkflowNotFound(workflow_id)
    return History(
        record, tuple(store.load_history(workflow_id)), tuple(store.load_attempts(workflow_id))
    )


def load(source: History | Mapping[str, Any] | str | os.PathLike[str]) -> History:
    """A History from itself, a parsed JSON document, or the path of a JSON file."""
    if isinstance(source, History):
        return source
    if isinstance(source, Mapping):
        return History.from_json(source)
    with open(source, encoding="utf-8") as file:
        return History.from_json(json.load(file))
