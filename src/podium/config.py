"""One place where settings resolve: argument > PODIUM_* environment variable > default."""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Mapping
from typing import Any

from podium import errors

DEFAULT_DATABASE_URL = "sqlite:///podium.db"


@dataclasses.dataclass(frozen=True)
class Settings:
    """Validated engine settings; see `resolve` for where each value comes from."""

    database_url: str = DEFAULT_DATABASE_URL
    lease_seconds: float = 5.0
    """How long a worker owns a workflow without renewing; a dead worker's work moves after it."""
    poll_interval: float = 0.1
    """Upper bound on how long an idle worker waits before looking for work again."""
    suspend_grace: float = 1.0
    """Waits up to this long hold their thread; longer ones unload the workflow."""
    max_payload_bytes: int = 4 * 1024 * 1024
    """Largest serialized argument, result or error the store accepts."""
    max_history_events: int = 51_200
    """History positions one run may take before the workflow fails (Temporal's cap)."""

    def evolve(self, **changes: Any) -> Settings:
        """Return a copy with `changes` applied and validated."""
        return validate(dataclasses.replace(self, **changes))


_ENV = {
    "database_url": ("PODIUM_DATABASE_URL", str),
    "lease_seconds": ("PODIUM_LEASE_SECONDS", float),
    "poll_interval": ("PODIUM_POLL_INTERVAL", float),
    "suspend_grace": ("PODIUM_SUSPEND_GRACE", float),
    "max_payload_bytes": ("PODIUM_MAX_PAYLOAD_BYTES", int),
    "max_history_events": ("PODIUM_MAX_HISTORY_EVENTS", int),
}


def resolve(environ: Mapping[str, str] | None = None, **arguments: Any) -> Settings:
    """Build Settings from explicit arguments (not None), then the environment, then defaults."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for field, (var, kind) in _ENV.items():
        if arguments.get(field) is not None:
            values[field] = arguments[field]
        elif env.get(var):
            try:
                values[field] = kind(env[var])
            except ValueError:
                raise errors.ConfigurationError(
                    f"environment variable {var}={env[var]!r} is not a valid {kind.__name__}; "
                    "fix or unset it"
                ) from None
    unknown = set(arguments) - set(_ENV)
    if unknown:
        raise errors.ConfigurationError(
            f"unknown setting(s) {sorted(unknown)}; known: {sorted(_ENV)}"
        )
    return validate(Settings(**values))


def validate(settings: Settings) -> Settings:
    """Check ranges; raise ConfigurationError naming the setting and the fix."""
    for name in ("lease_seconds", "poll_interval", "max_payload_bytes", "suspend_grace"):
        value = getattr(settings, name)
        may_be_zero = name == "suspend_grace"
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if not number or not math.isfinite(value) or value < 0 or (value == 0 and not may_be_zero):
            need = "a finite number >= 0" if may_be_zero else "a finite positive number"
            raise errors.ConfigurationError(f"setting {name}={value!r} must be {need}")
    cap = settings.max_history_events
    if isinstance(cap, bool) or not isinstance(cap, int) or cap < 1:
        raise errors.ConfigurationError(
            f"setting max_history_events={cap!r} must be a positive whole number of events"
        )
    if not isinstance(settings.database_url, str) or not settings.database_url:
        raise errors.ConfigurationError(
            "database_url must be a non-empty string such as 'sqlite:///podium.db'"
        )
    return settings
