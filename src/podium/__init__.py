"""podium: durable workflow orchestration for Python, embedded on SQLite."""

from podium import codecs as codecs
from podium.app import App
from podium.context import idempotency_key, now, random, sleep, sleep_until, uuid4
from podium.errors import (
    CircuitOpenError,
    CompensationFailed,
    ConfigurationError,
    InvalidTransition,
    NonDeterminismError,
    PayloadTooLarge,
    PodiumError,
    QueueFull,
    SerializationError,
    StepTimeout,
    UnknownHandler,
    UpdateFailed,
    UpdateRejected,
    ValidationError,
    WorkflowCancelled,
    WorkflowEnded,
    WorkflowFailed,
    WorkflowNotFound,
)
from podium.patterns.events import wait_for_event
from podium.patterns.fanout import gather, map, start_child
from podium.patterns.interact import save_state, state, wait_condition
from podium.patterns.messages import receive
from podium.patterns.retry import RetryPolicy
from podium.patterns.saga import saga
from podium.patterns.search import set_search
from podium.patterns.versions import continue_as_new, deprecate_patch, patched
from podium.redaction import Secret
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
    "PayloadTooLarge",
    "PodiumError",
    "QueueFull",
    "RetryPolicy",
    "Secret",
    "SerializationError",
    "StepTimeout",
    "UnknownHandler",
    "UpdateFailed",
    "UpdateRejected",
    "ValidationError",
    "WorkflowCancelled",
    "WorkflowEnded",
    "WorkflowFailed",
    "WorkflowHandle",
    "WorkflowInfo",
    "WorkflowNotFound",
    "WorkflowStatus",
    "continue_as_new",
    "deprecate_patch",
    "gather",
    "idempotency_key",
    "map",
    "now",
    "patched",
    "random",
    "receive",
    "saga",
    "save_state",
    "set_search",
    "sleep",
    "sleep_until",
    "start_child",
    "state",
    "uuid4",
    "wait_condition",
    "wait_for_event",
]
