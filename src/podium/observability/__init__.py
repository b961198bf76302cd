"""Observability: Prometheus metrics, OpenTelemetry tracing and structured logs.

Each module imports its third-party library itself, so importing this package is light.
"""
