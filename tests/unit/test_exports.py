"""The public surface equals the names API.md promises."""

import podium

API_NAMES = {
    "App",
    "RetryPolicy",
    "WorkflowHandle",
    "WorkflowInfo",
    "WorkflowStatus",
    "now",
    "random",
    "uuid4",
    "sleep",
    "sleep_until",
    "idempotency_key",
    "saga",
    "set_search",
    "gather",
    "map",
    "start_child",
    "wait_for_event",
    "receive",
    "PodiumError",
    "SerializationError",
    "NonDeterminismError",
    "WorkflowFailed",
    "WorkflowCancelled",
    "CircuitOpenError",
    "CompensationFailed",
    "QueueFull",
    "InvalidTransition",
    "StepTimeout",
    "ConfigurationError",
    "WorkflowNotFound",
    # "Interacting with running workflows; versioning" (and issue 14's podium.continue_as_new)
    "patched",
    "deprecate_patch",
    "continue_as_new",
    # Queries and updates: API.md names UpdateRejected and leaves how the state is declared
    # to the design (docs/operating.md, "Queries and updates").
    "UpdateRejected",
    "UpdateFailed",
    "UnknownHandler",
    "WorkflowEnded",
    "state",
    "save_state",
    "wait_condition",
    # "Data governance"
    "Secret",
    "ValidationError",
    "PayloadTooLarge",
}


def test_all_matches_api():
    assert set(podium.__all__) == API_NAMES
    for name in podium.__all__:
        assert hasattr(podium, name), name


def test_errors_derive_from_podium_error():
    for name in API_NAMES:
        obj = getattr(podium, name)
        if isinstance(obj, type) and issubclass(obj, Exception):
            assert issubclass(obj, podium.PodiumError)
