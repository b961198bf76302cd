"""podium: durable workflow orchestration for Python, embedded on SQLite."""

from podium.app import App
from podium.context import idempotency_key, now, random, sleep, uuid4
from podium.errors import (
    CircuitOpenError,
    CompensationFailed,
    ConfigurationError,
    InvalidTransition,
    NonDeterminismError,
    PodiumError,
    QueueFull,
    SerializationError,
    StepTimeout,
    WorkflowCancelled,
    WorkflowFailed,
    WorkflowNotFound,
)
from podium.patterns.retry import RetryPolicy
from podium.patterns.saga import saga
from podium.store.base import WorkflowInfo
from podium.workflow import WorkflowHandle, WorkflowStatus

__version__ = "0.1.0"

__all__ = [
    "App",
    "CircuitOpenError",
    "CompensationFailed",
    "ConfigurationError",
    "InvalidTransition",
    "NonDeterminismError",
    "PodiumError",
    "QueueFull",
    "RetryPolicy",
    "SerializationError",
    "StepTimeout",
    "WorkflowCancelled",
    "WorkflowFailed",
    "WorkflowHandle",
    "WorkflowInfo",
    "WorkflowNotFound",
    "WorkflowStatus",
    "idempotency_key",
    "now",
    "random",
    "saga",
    "sleep",
    "uuid4",
]
