"""Errors as stored payloads, and back: how a step's failure is recorded and replayed."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from typing import Any

from podium import errors, serialization

MAX_TRACEBACK = 16_000


def _same(text: str) -> str:
    return text


def describe(exc: BaseException, scrub: Callable[[str], str] = _same) -> dict[str, str]:
    """The type name, module, message and traceback text of `exc`.

    `scrub` masks sensitive values in the message and traceback (see podium.redaction).
    """
    text = "".join(traceback.format_exception(exc))
    return {
        "type": type(exc).__qualname__,
        "module": type(exc).__module__,
        "message": scrub(str(exc)),
        "traceback": scrub(text[-MAX_TRACEBACK:]),
    }


def to_payload(exc: BaseException, scrub: Callable[[str], str] = _same) -> str:
    """Serialize `exc` for the history."""
    return serialization.dumps(describe(exc, scrub))


def rebuild(step: str, payload: str | None) -> BaseException:
    """Recreate a recorded step failure.

    The original class is used when it is already imported and accepts a message; otherwise
    `StepFailed` carries the type name and message. Nothing is imported on the store's word.
    """
    data: Any = serialization.loads(payload) if payload else {}
    if not isinstance(data, dict):
        data = {}
    type_name = str(data.get("type", "Exception"))
    message = str(data.get("message", ""))
    module = sys.modules.get(str(data.get("module", "")))
    cls: Any = module
    for part in type_name.split("."):
        cls = getattr(cls, part, None)
    if isinstance(cls, type) and issubclass(cls, Exception):
        try:
            return cls(message)
        except Exception:
            pass
    return errors.StepFailed(step, type_name, message)
