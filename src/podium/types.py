"""Shared type aliases: a leaf module that every other module may import."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, TypeAlias

JSON: TypeAlias = Any
"""A value of the JSON family (see `podium.serialization`)."""

AnyCallable: TypeAlias = Callable[..., Any]

Status: TypeAlias = Literal["pending", "running", "waiting", "completed", "failed", "cancelled"]

ACTIVE_STATUSES: tuple[str, ...] = ("pending", "running", "waiting")
TERMINAL_STATUSES: tuple[str, ...] = ("completed", "failed", "cancelled")
STATUSES: tuple[str, ...] = ACTIVE_STATUSES + TERMINAL_STATUSES
