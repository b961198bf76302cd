"""`podium asl validate|run|graph`: state machine commands, registered by podium.cli."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from podium import errors as podium_errors
from podium.asl import graph, validation

EXIT_OK = 0
EXIT_FAILED = 1


def add(commands: Any) -> None:
    """Add the `asl` command and its subcommands to podium's parser."""
    parser = commands.add_parser(
        "asl",
        help="Validate, run and draw Amazon States Language state machines",
        description="Amazon States Language (AWS Step Functions) state machines on podium.",
    )
    parser.set_defaults(command=lambda _args: _usage(parser))
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


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _read(path: str) -> Any:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise podium_errors.ConfigurationError(f"cannot read {path!r}: {exc}") from None


def cmd_validate(args: argparse.Namespace) -> int:
    """Print each diagnostic; exit 1 when there is any."""
    problems = validation.validate(_read(args.file))
    for d in problems:
        print(f"{args.file}:{d['location'] or '/'}: {d['severity']}: {d['message']} ({d['code']})")
    if not problems:
        print(f"{args.file}: valid")
    return EXIT_FAILED if problems else EXIT_OK


def cmd_graph(args: argparse.Namespace) -> int:
    """Print the Mermaid flowchart of a valid definition."""
    text = _read(args.file)
    problems = validation.validate(text)
    if problems:
        from podium.asl.errors import DefinitionError

        raise DefinitionError(problems)
    sys.stdout.write(graph.mermaid(validation.load(text)))
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    """Run the machine as a podium workflow; print the output JSON or the error."""
    from podium.app import App

    try:
        value = json.loads(args.input)
    except json.JSONDecodeError as exc:
        raise podium_errors.ConfigurationError(f"--input is not JSON: {exc}") from None
    resources = _resources(args.resources) if args.resources else {}
    with tempfile.TemporaryDirectory(prefix="podium-asl-") as folder:
        url = args.database_url or f"sqlite:///{os.path.join(folder, 'asl.db')}"
        with App("asl", database_url=url) as app:
            wf = app.asl_workflow(Path(args.file).stem or "machine", _read(args.file), resources)
            try:
                output = app.run(wf, value)
            except podium_errors.WorkflowFailed as exc:
                print(json.dumps({"error": exc.error_type, "cause": exc.message}))
                return EXIT_FAILED
    print(json.dumps(output))
    return EXIT_OK


def _resources(spec: str) -> dict[str, Any]:
    module_name, _, attribute = spec.partition(":")
    if "" not in sys.path:
        sys.path.insert(0, "")
    try:
        mapping = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise podium_errors.ConfigurationError(f"cannot load --resources {spec!r}: {exc}") from None
    if not isinstance(mapping, dict):
        raise podium_errors.ConfigurationError(f"--resources {spec!r} is not a dict")
    return mapping
