"""The group-commit write a store action would submit, captured before it commits.

Tests that order or batch writes themselves (lock order, merged claims) take the write a
child's end makes through `_write_unit`, then hand it to the dialect's `_commit_batch`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from podium.store.groupcommit import Write


class _Captured(Exception):
    """Stops the action at its write, which the test commits itself."""


def captured_write(store: Any, action: Callable[[], object]) -> Write:
    """The write `action` makes `store` submit through `_write_unit`, uncommitted."""
    writes: list[Write] = []

    def capture(
        statements: list[tuple[str, dict[str, Any]]],
        key: str,
        head: int = 0,
        tail: int = 0,
        merge: str = "",
        row: str = "",
    ) -> list[Any]:
        (sql, params), more = statements[0], statements[1:]
        writes.append(Write(sql, params, key, more, head=head, tail=tail, merge=merge, row=row))
        raise _Captured

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(store, "_write_unit", capture)
        with pytest.raises(_Captured):
            action()
    return writes[0]
