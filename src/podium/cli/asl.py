"""`podium asl validate|run|graph`: Amazon States Language state machines on the command line.

The `podium.asl` package is imported inside the commands: it is large (an interpreter, JSONPath
and JSONata), and `podium --help` or any other command should not pay for loading it.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from podium import errors
from podium.app import App
from podium.cli import common


def add(commands: common.Subcommands) -> None:
    """Add the `asl` command and its subcommands to podium's parser."""
    parser = commands.add_parser(
        "asl",
        help="Validate, run and draw Amazon States Language state machines",
        description="Amazon States Language (AWS Step Functions) state machines on podium.",
    )
    parser.set_defaults(command=common.help_command(parser))
    sub = parser.add_subparsers(title="asl commands", metavar="COMMAND")
    check = sub.add_parser("validate", help="List the problems of a definition (none: valid)")
    check.add_argument("file", help="the definition, a JSON file")
    check.set_defaults(command=cmd_validate)
    run = sub.add_parser("run", help="Run a definition durably and print its output")
    run.add_argument("file", help="the definition, a JSON file")
    run.add_argument("--input", default="{}", help="the execution input, JSON (default {})")
    run.add_argument(
        "--resources",
        metavar="MODULE:MAPPING",
        help="a dict of Task Resource -> function, e.g. 'shop.tasks:RESOURCES'",
    )
    run.add_argument("--database-url", metavar="URL", help="store (default: a temporary file)")
    run.set_defaults(command=cmd_run)
    draw = sub.add_parser("graph", help="Print the state graph as a Mermaid flowchart")
    draw.add_argument("file", help="the definition, a JSON file")
    draw.set_defaults(command=cmd_graph)


def cmd_validate(args: argparse.Namespace) -> int:
    """Print each diagnostic; exit 1 when there is any."""
    from podium.asl import validation  # lazy: see the module docstring

    problems = validation.validate(_read(args.file))
    for d in problems:
        print(f"{args.file}:{d['location'] or '/'}: {d['severity']}: {d['message']} ({d['code']})")
    if not problems:
        print(f"{args.file}: valid")
    return common.EXIT_FAILED if problems else common.EXIT_OK


def cmd_graph(args: argparse.Namespace) -> int:
    """Print the Mermaid flowchart of a valid definition."""
    from podium.asl import errors as asl_errors  # lazy: see the module docstring
    from podium.asl import graph, validation

    text = _read(args.file)
    problems = validation.validate(text)
    if problems:
        raise asl_errors.DefinitionError(problems)
    sys.stdout.write(graph.mermaid(validation.load(text)))
    return common.EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    """Run the machine as a podium workflow; print the output JSON or the error."""
    try:
        value = json.loads(args.input)
    except json.JSONDecodeError as exc:
        raise errors.ConfigurationError(f"--input is not JSON: {exc}") from None
    resources = _resources(args.resources) if args.resources else {}
    with tempfile.TemporaryDirectory(prefix="podium-asl-") as folder:
        url = args.database_url or f"sqlite:///{os.path.join(folder, 'asl.db')}"
        with App("asl", database_url=url) as app:
            wf = _workflow(app, args.file, resources)
            try:
                output = app.run(wf, value)
            except errors.WorkflowFailed as exc:
                print(json.dumps({"error": exc.error_type, "cause": exc.message}))
                return common.EXIT_FAILED
    print(json.dumps(output))
    return common.EXIT_OK


def _workflow(app: App, path: str, resources: dict[str, Callable[..., Any]]) -> Any:
    """The definition at `path` as a workflow of `app`; an unmapped Task names --resources."""
    from podium.asl import errors as asl_errors  # lazy: see the module docstring

    try:
        return app.asl_workflow(Path(path).stem or "machine", _read(path), resources)
    except asl_errors.DefinitionError as exc:
        if any(d["code"] == "UNMAPPED_RESOURCE" for d in exc.diagnostics):
            raise common.UsageError(
                f"{exc}; from the command line, map Task resources to functions with "
                "--resources MODULE:MAPPING (a dict such as 'shop.tasks:RESOURCES')"
            ) from None
        raise


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise errors.ConfigurationError(f"cannot read {path!r}: {exc}") from None


def _resources(spec: str) -> dict[str, Callable[..., Any]]:
    module_name, _, attribute = spec.partition(":")
    if "" not in sys.path:
        sys.path.insert(0, "")
    try:
        mapping = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise errors.ConfigurationError(f"cannot load --resources {spec!r}: {exc}") from None
    if not isinstance(mapping, dict):
        raise errors.ConfigurationError(f"--resources {spec!r} is not a dict")
    return mapping
