"""Orchestration patterns, each a thin layer over the engine in a module named after it."""
