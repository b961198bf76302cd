"""A small app the CLI end-to-end tests serve (`podium worker cliapp:app`) and start."""

from __future__ import annotations

import os

import podium

app = podium.App("cliapp")
app.queue("scan")


@app.step
def greet_step(name: str) -> str:
    return f"hello {name}"


@app.workflow
def greet(name: str) -> str:
    return greet_step(name)


@app.workflow
def add(a: int, b: int) -> int:
    return a + b


@app.step
def pass_gate(path: str) -> str:
    if not os.path.exists(path):
        raise RuntimeError(f"gate {path} is closed")
    return "through"


@app.workflow
def gated(path: str) -> str:
    return f"{greet_step('gate')}, {pass_gate(path)}"
